export type { ImageArch, ImageRunConfig, LayerEntry } from "./types.ts";
export { pauseElf } from "./pause-binary.ts";
export { buildOciImage, ociLayoutTar, writeOciArchive, type OciArchiveOptions, type OciImage } from "./oci-archive.ts";
export { SANDBOX_IMAGE, hostImageArch, sandboxImageArchive } from "./sandbox-image.ts";
export { CRI_NAMESPACE, DEFAULT_CTR, ImageImportError, importImageArchive, type ImportImageOptions } from "./import.ts";
export { isImageArchiveName, watchImageDir, type ImageDirWatchOptions, type ImageDirWatcher } from "./image-dir-watcher.ts";
export { archiveFileName, planDownloads, pruneFetched, startImageSync, type ClusterImageSource, type ImageSync, type ImageSyncOptions } from "./image-sync.ts";

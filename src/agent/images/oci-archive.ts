/**
 * OCI image layout tarballs (image-spec v1.1 "image-layout"), built in memory: `oci-layout`,
 * `index.json`, and `blobs/sha256/…` for one layer, the image config and the manifest.
 * This is what `ctr images import` and `k3rs ctl image import` take, so k3rs can make the
 * images it needs itself (the sandbox image, test images) without a registry.
 *
 * Naming, as measured with containerd 1.6.20's `ctr images import`: the index entry's
 * `io.containerd.image.name` is taken verbatim (not normalized: "busybox" stays "busybox",
 * which the CRI would never find); failing that, `org.opencontainers.image.ref.name` is
 * kept when it contains "/", ":" or "@", and a bare tag becomes `<--base-name>:<tag>`
 * (default base `import-YYYY-MM-DD`); an entry with neither is silently skipped. So both
 * annotations carry the full normalized name: the image imports under it with no flags,
 * and tools that read only the OCI annotation (skopeo, podman) see the same name.
 *
 * Reproducible: fixed mtimes and owners, sorted layer entries, JSON with a fixed key order
 * and gzip without a timestamp — the same input gives the same bytes and digests.
 */
import { gzipSync } from "node:zlib";
import { normalizeImageRef } from "../../model/image-ref.ts";
import { layerTar } from "./layer.ts";
import { packTar, type TarEntry } from "./tar.ts";
import type { ImageArch, ImageRunConfig, LayerEntry } from "./types.ts";

export type { ImageArch, ImageRunConfig, LayerEntry } from "./types.ts";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  layerTar: "application/vnd.oci.image.layer.v1.tar",
} as const;

export const ANNOTATION_CONTAINERD_NAME = "io.containerd.image.name";
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";

/** `created` of the config and its history: the epoch, like every mtime in the archive. */
const CREATED = "1970-01-01T00:00:00Z";

export interface OciArchiveOptions {
  /** Image name; normalized (`busybox` → `docker.io/library/busybox:latest`). */
  name: string;
  /** More names for the same image (one index entry each, one manifest). */
  aliases?: string[];
  arch: ImageArch;
  files: LayerEntry[];
  config: ImageRunConfig;
  /** Layer compression; gzip by default. */
  compression?: "gzip" | "none";
  /** Recorded in the config's history (`created_by`). */
  createdBy?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  annotations?: Record<string, string>;
}

/** A built image: its blobs by digest and the manifest's descriptor (without names). */
export interface OciImage {
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor & { diffId: string };
  blobs: Map<string, Uint8Array>;
}

/**
 * An OCI layout tarball holding one single-layer image named `o.name`.
 *
 * @example
 * const tar = await writeOciArchive({
 *   name: "docker.io/k3rs/pause:3.9", arch: "amd64",
 *   files: [{ path: "/pause", type: "file", mode: 0o755, data: pauseElf("amd64") }],
 *   config: { Entrypoint: ["/pause"] },
 * });
 */
export async function writeOciArchive(o: OciArchiveOptions): Promise<Uint8Array> {
  const image = await buildOciImage(o);
  const names = [...new Set([o.name, ...(o.aliases ?? [])].map(normalizeImageRef))];
  return ociLayoutTar(names.map((name) => ({ image, name })));
}

/** The blobs and descriptors of one image (no tar around them). */
export async function buildOciImage(o: OciArchiveOptions): Promise<OciImage> {
  const blobs = new Map<string, Uint8Array>();
  const add = (mediaType: string, bytes: Uint8Array): Descriptor => {
    const digest = sha256(bytes);
    blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  };

  const raw = await layerTar(o.files);
  const gzip = (o.compression ?? "gzip") === "gzip";
  // gzipSync writes a zero header mtime, so the compressed bytes depend only on the input.
  const layer = {
    ...add(gzip ? MEDIA_TYPES.layerGzip : MEDIA_TYPES.layerTar, gzip ? gzipSync(raw, { level: 9 }) : raw),
    diffId: sha256(raw),
  };

  const config = add(
    MEDIA_TYPES.config,
    json({
      created: CREATED,
      architecture: o.arch,
      os: "linux",
      config: runConfig(o.config),
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
      history: [{ created: CREATED, created_by: o.createdBy ?? "k3rs" }],
    }),
  );

  const manifest = add(
    MEDIA_TYPES.manifest,
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
    }),
  );

  return {
    manifest: { ...manifest, platform: { architecture: o.arch, os: "linux" } },
    config,
    layer,
    blobs,
  };
}

/**
 * The OCI layout tarball of `refs`: one index entry per name (already normalized), blobs
 * shared by digest.
 */
export function ociLayoutTar(refs: { image: OciImage; name: string }[]): Promise<Uint8Array> {
  const index = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: refs.map(({ image, name }) => ({
      ...image.manifest,
      annotations: { [ANNOTATION_CONTAINERD_NAME]: name, [ANNOTATION_REF_NAME]: name },
    })),
  });
  const blobs = new Map<string, Uint8Array>();
  for (const { image } of refs) for (const [d, b] of image.blobs) blobs.set(d, b);

  const entries: TarEntry[] = [
    { name: "oci-layout", type: "file", mode: 0o644, data: json({ imageLayoutVersion: "1.0.0" }) },
    { name: "index.json", type: "file", mode: 0o644, data: index },
    { name: "blobs/", type: "directory", mode: 0o755 },
    { name: "blobs/sha256/", type: "directory", mode: 0o755 },
  ];
  for (const digest of [...blobs.keys()].sort()) {
    entries.push({ name: `blobs/sha256/${digest.slice("sha256:".length)}`, type: "file", mode: 0o644, data: blobs.get(digest)! });
  }
  return packTar(entries);
}

/** Only the fields given, in one order (the digest depends on it). */
function runConfig(c: ImageRunConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.User !== undefined) out.User = c.User;
  if (c.ExposedPorts !== undefined) out.ExposedPorts = sortKeys(c.ExposedPorts);
  if (c.Env !== undefined) out.Env = c.Env;
  if (c.Entrypoint !== undefined) out.Entrypoint = c.Entrypoint;
  if (c.Cmd !== undefined) out.Cmd = c.Cmd;
  if (c.WorkingDir !== undefined) out.WorkingDir = c.WorkingDir;
  if (c.Labels !== undefined) out.Labels = sortKeys(c.Labels);
  return out;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
}

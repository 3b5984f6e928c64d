/** Image architectures k3rs builds for, in OCI/Go naming. */
export type ImageArch = "amd64" | "arm64";

/** One entry of an image layer; paths are absolute or relative to the image root. */
export interface LayerEntry {
  path: string;
  type: "file" | "dir" | "symlink";
  /** Permission bits (incl. setuid/sticky); default 0644 files, 0755 dirs, 0777 symlinks. */
  mode?: number;
  /** A file's contents; empty when absent. */
  data?: Uint8Array;
  /** A symlink's target. */
  target?: string;
}

/** The runtime part of an OCI image config (`config` in the image config JSON). */
export interface ImageRunConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, {}>;
  Labels?: Record<string, string>;
}

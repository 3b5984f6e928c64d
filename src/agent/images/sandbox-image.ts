/**
 * The sandbox image every pod's sandbox runs, made by k3rs itself (never pulled): one file,
 * /pause, the hand-assembled program that blocks until SIGKILL. The agent imports it into
 * containerd at start and names it in the CRI config's `sandbox_image`.
 */
import { writeOciArchive } from "./oci-archive.ts";
import { pauseElf } from "./pause-binary.ts";
import type { ImageArch } from "./types.ts";

/** The tag says which pause it stands in for; the repository says it is ours. */
export const SANDBOX_IMAGE = "docker.io/k3rs/pause:3.9";

/** The arch of this process's machine in image terms, or undefined when k3rs has no pause for it. */
export function hostImageArch(arch: string = process.arch): ImageArch | undefined {
  if (arch === "x64") return "amd64";
  if (arch === "arm64") return "arm64";
  return undefined;
}

/** The OCI archive of {@link SANDBOX_IMAGE} for `arch`; the same bytes every time. */
export function sandboxImageArchive(arch: ImageArch): Promise<Uint8Array> {
  return writeOciArchive({
    name: SANDBOX_IMAGE,
    arch,
    files: [{ path: "/pause", type: "file", mode: 0o755, data: pauseElf(arch) }],
    config: { Entrypoint: ["/pause"], WorkingDir: "/" },
    createdBy: "k3rs sandbox image",
  });
}

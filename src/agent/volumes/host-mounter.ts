/**
 * Mounts for volumes the agent backs itself (tmpfs for emptyDir medium Memory): the node's
 * mount(8), or nothing at all on a hollow node, whose volumes are plain directories.
 */
import { readFileSync } from "node:fs";

export interface Mounter {
  isMounted(path: string): Promise<boolean>;
  /** `sizeBytes` limits the tmpfs when set. */
  mountTmpfs(target: string, sizeBytes?: number): Promise<void>;
  unmount(target: string): Promise<void>;
}

/** Whether a path is a mount point (from /proc/self/mountinfo, octal escapes decoded). */
export async function isMounted(path: string): Promise<boolean> {
  const info = readFileSync("/proc/self/mountinfo", "utf8");
  for (const line of info.split("\n")) {
    const mountPoint = line.split(" ")[4];
    if (mountPoint && mountPoint.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))) === path) return true;
  }
  return false;
}

async function run(argv: string[]): Promise<void> {
  const p = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe" });
  const err = await new Response(p.stderr).text();
  if ((await p.exited) !== 0) throw new Error(`${argv.join(" ")}: ${err.trim()}`);
}

export async function mountTmpfs(target: string, sizeBytes?: number): Promise<void> {
  await run(["mount", "-t", "tmpfs", "-o", sizeBytes ? `size=${sizeBytes},mode=0777` : "mode=0777", "tmpfs", target]);
}

export async function unmount(target: string): Promise<void> {
  await run(["umount", target]);
}

export const hostMounter: Mounter = { isMounted, mountTmpfs, unmount };

/** A hollow node mounts nothing: a memory-backed emptyDir stays a directory. */
export const noMounter: Mounter = {
  isMounted: async () => false,
  mountTmpfs: async () => undefined,
  unmount: async () => undefined,
};

/**
 * Container log rotation, as the kubelet's ContainerLogManager does it (containerd never
 * rotates nor deletes log files): a log over the size limit is renamed to
 * `<file>.<UTC timestamp>` and the runtime is asked to reopen the original path; rotated
 * files beyond the count limit are deleted, oldest first.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface RotateOptions {
  /** kubelet containerLogMaxSize: 10Mi. */
  maxBytes: number;
  /** kubelet containerLogMaxFiles: 5 (the live file counts as one). */
  maxFiles: number;
}

export const DEFAULT_ROTATION: RotateOptions = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

function stamp(now: Date): string {
  // 20060102-150405 as the kubelet names them.
  return now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** Rotated siblings of a log file, oldest first. */
export function rotatedFiles(logPath: string): string[] {
  const dir = dirname(logPath);
  if (!existsSync(dir)) return [];
  const prefix = `${basename(logPath)}.`;
  return readdirSync(dir).filter((f) => f.startsWith(prefix) && !f.endsWith(".tmp")).sort().map((f) => join(dir, f));
}

/**
 * Rotates one running container's log if it is too big; `reopen` asks the runtime to reopen
 * its log. Returns whether it rotated.
 */
export async function rotateIfNeeded(logPath: string, reopen: () => Promise<void>, o: RotateOptions = DEFAULT_ROTATION, now = new Date()): Promise<boolean> {
  let size: number;
  try {
    size = statSync(logPath).size;
  } catch {
    return false;
  }
  const old = rotatedFiles(logPath);
  // Keep maxFiles - 1 rotated files beside the live one.
  for (const f of old.slice(0, Math.max(0, old.length - (o.maxFiles - 1) + (size >= o.maxBytes ? 1 : 0)))) rmSync(f, { force: true });
  if (size < o.maxBytes) return false;
  renameSync(logPath, `${logPath}.${stamp(now)}`);
  await reopen();
  return true;
}

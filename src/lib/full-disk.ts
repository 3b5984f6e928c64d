/**
 * Why a start may have failed: SQLite reports a full disk at open as a bare "disk I/O error"
 * (its shared-memory file cannot grow), which says nothing an operator can act on. A server
 * restarted by systemd on a full SD card would repeat it forever.
 */
import { statfsSync } from "node:fs";

/** Under this many free bytes a data dir's file system counts as full: SQLite needs a few pages. */
const FULL_BELOW_BYTES = 1 << 20;

/** A sentence saying `path`'s file system is full, or undefined when it has room (or cannot be read). */
export function fullDiskNote(path: string): string | undefined {
  try {
    const s = statfsSync(path);
    const free = Number(s.bavail) * Number(s.bsize);
    if (free >= FULL_BELOW_BYTES) return undefined;
    return `the disk holding ${path} is full (${free} bytes free): free space there and start again`;
  } catch {
    return undefined;
  }
}

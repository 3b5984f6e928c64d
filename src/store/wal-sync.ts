/**
 * fsync of the store's WAL, done by the store instead of inside SQLite's COMMIT. With
 * synchronous=FULL, SQLite fsyncs the WAL inside COMMIT, on the one JS thread: every request
 * in the process waits for the disk at each group commit (21% of the server's samples in a
 * 16-client create run). Committed with synchronous=NORMAL and then synced here, on libuv's
 * thread pool, a write is exactly as durable when its promise resolves — the WAL frames of its
 * commit are on disk — while the thread goes on parsing and checking the next requests.
 *
 * NORMAL keeps SQLite's own syncs where FULL has them beyond the commit: the WAL before a
 * checkpoint, the database file after one, the WAL header when the log restarts.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from "node:fs";

export class WalSync {
  private fd: number | undefined;
  private readonly walPath: string;

  constructor(dbPath: string) {
    this.walPath = `${dbPath}-wal`;
  }

  /** Syncs the WAL as it is now; resolves once it is on disk. */
  sync(): Promise<void> {
    let fd: number;
    try {
      fd = this.current();
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
  }

  /** The same, blocking: for the rare writes outside group commits (bootstrap data, revision bumps). */
  syncNow(): void {
    fdatasyncSync(this.current());
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** An open descriptor of the WAL file now at the path (SQLite deletes it on its last close and makes a new one). */
  private current(): number {
    if (this.fd !== undefined && fstatSync(this.fd).ino === statSync(this.walPath).ino) return this.fd;
    this.close();
    this.fd = openSync(this.walPath, "r");
    return this.fd;
  }
}

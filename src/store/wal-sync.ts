/**
 * The WAL made durable off the event loop. With synchronous=FULL, SQLite fsyncs the WAL inside
 * COMMIT, on the one JavaScript thread: at 16 concurrent API clients a quarter of the server's
 * main thread went to waiting in that fsync (~1.8 ms a commit on the dev VM), with nothing else
 * served meanwhile. The store runs SQLite with synchronous=NORMAL instead — which still syncs
 * the WAL before a checkpoint copies it and the database after — and syncs the WAL itself after
 * each commit with fdatasync on libuv's thread pool, acknowledging the commit's writes (and
 * showing them to readers and watchers) only once that returns: the same guarantee as FULL, a
 * resolved write is on disk, while the thread parses and admits the next requests.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from "node:fs";

export class WalSync {
  private fd?: number;
  private ino = -1;

  constructor(private readonly walPath: string) {}

  /** Resolves once everything written to the WAL so far is on disk. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      let fd: number;
      try {
        fd = this.file();
      } catch (e) {
        return reject(e);
      }
      fdatasync(fd, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** The same, on this thread: at close, and after writes made outside a batch. */
  syncNow(): void {
    fdatasyncSync(this.file());
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * An open descriptor of the WAL file as it is now. SQLite keeps one WAL file while a
   * connection is open, truncating it in place; should it ever be another file, a sync of the
   * old one would sync nothing that matters, so the inode is checked each time (one stat).
   */
  private file(): number {
    const ino = statSync(this.walPath).ino;
    if (this.fd !== undefined && ino === this.ino) return this.fd;
    this.close();
    const fd = openSync(this.walPath, "r");
    this.fd = fd;
    this.ino = fstatSync(fd).ino;
    return fd;
  }
}

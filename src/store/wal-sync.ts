/**
 * The WAL made durable by the store itself. With synchronous=FULL, SQLite fsyncs the WAL inside
 * COMMIT, on the one JavaScript thread: at 16 concurrent API clients a quarter of the server's
 * main thread went to waiting in that fsync (~1.8 ms a commit on the dev VM), with nothing else
 * served meanwhile. The store runs SQLite with synchronous=NORMAL instead — which still syncs
 * the WAL before a checkpoint copies it and the database after — and syncs the WAL after each
 * commit with fdatasync: on the thread, or on libuv's thread pool while the thread has other
 * work (SyncPlacement). Either way a commit's writes are acknowledged, and shown to readers and
 * watchers, only once the sync returns: the same guarantee as FULL, a resolved write is on disk.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from "node:fs";

export class WalSync {
  private fd?: number;

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
   * A descriptor of the WAL file, opened at the first sync (SQLite makes the file when the
   * database opens in WAL mode). SQLite keeps that one file while a connection is open and
   * truncates it in place, so the descriptor stays good; checking its inode on every sync was
   * measured at ~90 µs a commit (Bun's statSync), a third of an fsync here.
   */
  private file(): number {
    this.fd ??= openSync(this.walPath, "r");
    return this.fd;
  }
}

/**
 * Where a commit's sync runs. Off the thread it costs a hand-off to the pool and back (measured
 * in process with nothing else to do: bench/store at 16 writers 18.7–19.6k → 11.6–12.6k
 * writes/s with all or most syncs off the thread), which pays only when the thread has other
 * work meanwhile — a server under load, not a lone writer. The sign of such work is writes
 * that arrive while a sync runs: requests parsed and admitted meanwhile. So syncs run on the
 * thread, every 16th goes off it as a probe, and they stay off it for as long as each one ends
 * with new writes queued.
 */
export class SyncPlacement {
  private commits = 0;
  private offThread: boolean;

  constructor(private readonly mode: "adaptive" | "off-thread" = "adaptive") {
    this.offThread = mode === "off-thread";
  }

  /** Whether the next commit's sync goes off the thread. */
  next(): boolean {
    this.commits++;
    return this.offThread || this.commits % 16 === 0;
  }

  /** After an off-thread sync: whether writes were queued while it ran. */
  measured(writesArrived: boolean): void {
    if (this.mode === "adaptive") this.offThread = writesArrived;
  }
}

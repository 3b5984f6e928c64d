/**
 * The SQLite store's group commit: writes queue up and are committed together on the next
 * macrotask (setImmediate), up to maxBatch a transaction. A batch is made durable — the WAL
 * synced, on the thread or, while the thread has other work, off it (wal-sync.ts) — before it
 * is applied and acknowledged, and the next batch is committed only then: one commit at a
 * time, each written against the state the last one left.
 */
import type { WriteOp } from "./write-ops.ts";
import { SyncPlacement, type WalSync } from "./wal-sync.ts";

export type WalSyncer = Pick<WalSync, "sync" | "syncNow" | "close">;

/** A vacuum step to run inside the next commit; resolved with its duration (ms) or -1 when it failed. */
export interface VacuumRequest {
  pages: number;
  resolve(ms: number): void;
}

/** What the store does with a batch: `T` is what a commit hands on to be applied. */
export interface Committer<T> {
  /**
   * Writes the batch and the vacuum step in one transaction, settling the vacuum request.
   * Returns what to apply, or undefined when there is nothing to (no writes, or the commit
   * failed and the writes were rejected).
   */
  commit(batch: WriteOp[], vacuum: VacuumRequest | undefined): T | undefined;
  /** Applies a committed, durable batch and settles its writes. */
  apply(committed: T): void;
}

export interface GroupCommitOptions {
  maxBatch: number;
  /** Syncs the WAL after each commit; none when the store is not durable. */
  walSync?: WalSyncer;
  placement?: "adaptive" | "off-thread";
  /** The store's file, for errors. */
  path: string;
  /** Told once when a sync fails and the store stops taking writes (to log it: the writes' errors reach only their clients). */
  onSyncFailed?: (error: Error) => void;
}

export class GroupCommit<T> {
  private queue: WriteOp[] = [];
  private scheduled = false;
  /** The last commit's sync while it runs: the next commit waits for it (its batch is not applied yet). */
  private syncing?: Promise<void>;
  /** Set when a sync failed: what is on disk is unknown from then on, and every write fails with it. */
  private failed?: Error;

  /** Whether writes are still taken: false once a sync failed (until the process restarts). */
  get writable(): boolean {
    return this.failed === undefined;
  }
  private vacuum?: VacuumRequest;
  private drained = false;
  private readonly placement: SyncPlacement;

  constructor(
    private readonly committer: Committer<T>,
    private readonly o: GroupCommitOptions,
  ) {
    this.placement = new SyncPlacement(o.placement);
  }

  /** Writes queued, not yet committed. */
  get pending(): number {
    return this.queue.length;
  }

  add(op: WriteOp): void {
    if (this.failed) return op.settle.reject(this.failed);
    this.queue.push(op);
    this.schedule();
  }

  requestVacuum(request: VacuumRequest): void {
    this.vacuum = request;
    this.schedule();
  }

  /** Waits for a sync in flight, then commits what is queued on this thread (at close). */
  async drain(): Promise<void> {
    await this.syncing?.catch(() => {});
    while (this.queue.length > 0 && !this.failed) this.flush(true);
    this.vacuum?.resolve(-1);
    this.vacuum = undefined;
    this.drained = true;
  }

  private schedule(): void {
    // A commit whose sync runs schedules the next flush once it is applied.
    if (this.scheduled || this.syncing) return;
    this.scheduled = true;
    // A macrotask, not a microtask: every write issued by the current task — including
    // those behind several awaits in callers — joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      if (!this.drained && !this.syncing) this.flush();
    });
  }

  /** Commits up to maxBatch queued writes, then, once the WAL is synced, applies them. `now`: sync on this thread. */
  private flush(now = false): void {
    const batch = this.queue.length <= this.o.maxBatch ? this.queue : this.queue.slice(0, this.o.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.o.maxBatch);
    if (this.queue.length > 0) this.schedule();
    const vacuum = this.vacuum;
    this.vacuum = undefined;
    if (batch.length === 0 && !vacuum) return;
    const committed = this.committer.commit(batch, vacuum);
    if (committed === undefined) return;
    const walSync = this.o.walSync;
    if (!walSync) return this.committer.apply(committed);
    if (now || !this.placement.next()) {
      try {
        walSync.syncNow();
      } catch (cause) {
        return this.syncFailed(batch, cause);
      }
      return this.committer.apply(committed);
    }
    this.syncing = walSync.sync().then(
      () => {
        this.syncing = undefined;
        this.placement.measured(this.queue.length > 0);
        this.committer.apply(committed);
        // What came meanwhile: writes, or a vacuum step waiting for a commit.
        if (this.queue.length > 0 || this.vacuum) this.schedule();
      },
      (cause) => {
        this.syncing = undefined;
        this.syncFailed(batch, cause);
      },
    );
  }

  /**
   * The WAL could not be synced: the batch is in the file but maybe not on disk, and the kernel
   * may have dropped the pages it failed to write (a retried fsync can succeed without them).
   * Nothing is acknowledged, and no later write is accepted: a restart reads what the disk has.
   */
  private syncFailed(batch: WriteOp[], cause: unknown): void {
    this.failed = new Error(`syncing the store's WAL at ${this.o.path}: writes are refused until the server restarts`, { cause });
    for (const op of batch) op.settle.reject(this.failed);
    for (const op of this.queue.splice(0)) op.settle.reject(this.failed);
    this.o.onSyncFailed?.(this.failed);
  }
}

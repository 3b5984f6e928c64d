/**
 * The SQLite store: one file in WAL mode, one writer, group commit, watches pushed on commit.
 *
 * Writes queue up and are committed together on the next macrotask (setImmediate), in one
 * transaction with one fsync: measured on the dev VM, one row per synchronous=FULL
 * transaction gives ≈ 2.4k writes/s, 100 rows per transaction 21–30k rows/s (bench/store.ts:
 * 1 / 16 / 64 concurrent writers ≈ 2.9k / 17k / 24k writes/s). Each write's
 * preconditions are checked in queue order against the state that includes the writes before
 * it in the same batch, and each promise settles on its own. The fsync is the store's own, off
 * the event loop while the thread has other work; a batch is applied to the cache, shown to
 * watchers and acknowledged when it returns, and the next batch is committed only then
 * (group-commit.ts, wal-sync.ts).
 *
 * Reads are served from memory: every current value is cached as its JSON string (≈ the
 * data's size; 10k objects of 1 KB ≈ 11 MB, RSS +25 MB after opening such a store) with a
 * sorted key index, and parsed per read, so every caller gets a private copy it may mutate.
 * Measured for 10k objects of 1 KB on the dev VM: reading the rows back from SQLite costs
 * ≈ 30 ms, parsing them ≈ 25–35 ms; the string cache removes the first. Caching parsed objects
 * would remove the second but hand every reader the same mutable objects (one careless
 * mutation silently corrupts the cache); deep-freezing them was measured worse on every count
 * (parse+freeze 200 ms per 10k, 1.7× the memory, JSON.stringify of frozen objects 2.5× slower).
 *
 * @example
 * const store = openSqliteStore({ path: "/var/lib/k3rs/server/db/state.db" });
 * const { revision } = await store.create("/pods/default/web", pod);
 * const stop = store.watch("/pods/default/", { fromRevision: revision }, (e) => console.log(e.type, e.key));
 */
import { Database, type Statement } from "bun:sqlite";
import type { ValueTransformer } from "./value-encryption.ts";
import { statSync } from "node:fs";
import type { KubeObject } from "../model/object.ts";
import { loadRows, openDatabase, readRevision } from "./sqlite-schema.ts";
import { WalSync } from "./wal-sync.ts";
import { GroupCommit, type VacuumRequest, type WalSyncer } from "./group-commit.ts";
import { keyHasName } from "./key-name.ts";
import { SPAN_UNKNOWN } from "../model/managed-fields.ts";
import { SortedKeys } from "./sorted-keys.ts";
import { freePages, pageCounts, VACUUM_STEP_PAGES, vacuumStepInTransaction, worthVacuuming } from "./sqlite-maintenance.ts";
import {
  StoreError,
  type ListOptions,
  type ListResult,
  type Store,
  type StoredObject,
  type StoreStats,
  type WatchEvent,
  type WatchOptions,
} from "./types.ts";
import { WatchHub } from "./watch-hub.ts";
import { commitFailure, FailureSpell } from "./commit-failure.ts";
import { lazyItem, writeBatch, type BatchOutcome, type Entry, type Settle, type WriteOp } from "./write-ops.ts";

import { readBootstrapRow, writeBootstrapRow } from "./sqlite-bootstrap.ts";

export { bootstrapTableAt } from "./sqlite-bootstrap.ts";

/** History's size bound: 64 Mi characters ≈ 8k realistic Pods' changes (watch-hub.ts says why there is one). */
export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;

export interface SqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  path: string;
  /** Events kept in memory for watch resume. Default 10_000. */
  historyLimit?: number;
  /** Characters of JSON those events may hold (watch-hub.ts). Default 64 Mi. */
  historyBytes?: number;
  /**
   * Characters of JSON the current objects may take together; a write that would grow them past
   * it fails with NoSpace (etcd's `--quota-backend-bytes`). Deletes, writes that do not grow, and
   * writes of objects being deleted always pass, so a full store can be emptied. Default: none.
   */
  quotaBytes?: number;
  /** A resolved write survives power loss: the WAL is synced before it resolves (wal-sync.ts). Default true. */
  durable?: boolean;
  /** WAL pages between automatic checkpoints. Default 1000 (SQLite's); 0 when Litestream checkpoints. */
  walAutoCheckpoint?: number;
  /** At most this many writes per transaction; the rest go in the next one. Default 1000. */
  maxBatch?: number;
  /** Applied to values on their way to disk and back (encryption at rest); the cache holds plain values. */
  transformer?: ValueTransformer;
  /** Told when a watch listener throws (listeners must not). Default console.error. */
  onListenerError?: (error: unknown, event: WatchEvent) => void;
  /** What syncs the WAL after a commit, in place of fdatasync of the file (a seam for tests). */
  walSync?: WalSyncer;
  /** Where commits' syncs run (wal-sync.ts); "off-thread" always for tests. Default "adaptive". */
  syncPlacement?: "adaptive" | "off-thread";
  /** Told once when a WAL sync fails and the store stops taking writes. */
  onSyncFailed?: (error: Error) => void;
  /** A commit failed after one that did not (a full disk: StoreError NoSpace), and once a commit succeeds again. */
  onWritesFailing?: (error: Error) => void;
  onWritesRecovered?: () => void;
  /** Told after each committed transaction (for metrics: batch sizes, commit latency). */
  onCommit?: (commit: { writes: number; refused: number; durationMs: number }) => void;
}

interface Statements {
  begin: Statement;
  commit: Statement;
  rollback: Statement;
  readRevision: Statement;
  writeRevision: Statement;
  put: Statement;
  remove: Statement;
}

/** Opens (creating if needed) the store at options.path. Throws a wrapped error when the file cannot be used. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  let db: Database;
  try {
    db = openDatabase({ path: options.path, walAutoCheckpoint: options.walAutoCheckpoint ?? 1000 });
  } catch (cause) {
    throw new Error(`opening the store at ${options.path}`, { cause });
  }
  return new SqliteStore(db, options);
}

export class SqliteStore implements Store {
  private readonly path: string;
  private readonly stmts: Statements;
  private readonly cache = new Map<string, Entry>();
  /** The cache's characters of JSON, against `quota`. */
  private dataBytes = 0;
  private readonly quota: number;
  private readonly keys: SortedKeys;
  private readonly hub: WatchHub;
  private rev: number;
  /** Syncs the WAL after each commit; undefined when not durable (or in memory). */
  private readonly walSync?: WalSyncer;
  private readonly commits: GroupCommit<{ outcome: BatchOutcome; started: number }>;
  private closed = false;
  private readonly onCommit?: SqliteStoreOptions["onCommit"];
  /** Tells a run of failed commits once, and its end. */
  private readonly spell: FailureSpell;
  private readonly transformer?: ValueTransformer;

  /** Use openSqliteStore; takes ownership of an open database with the schema in place. */
  constructor(
    private readonly db: Database,
    options: SqliteStoreOptions,
  ) {
    this.path = options.path;
    if ((options.durable ?? true) && options.path !== ":memory:") this.walSync = options.walSync ?? new WalSync(`${options.path}-wal`);
    this.commits = new GroupCommit(
      { commit: (batch, vacuum) => this.commitBatch(batch, vacuum), apply: (c) => this.apply(c.outcome, c.started) },
      { maxBatch: Math.max(1, options.maxBatch ?? 1000), walSync: this.walSync, placement: options.syncPlacement, path: options.path, onSyncFailed: options.onSyncFailed },
    );
    this.onCommit = options.onCommit;
    this.spell = new FailureSpell(options.onWritesFailing, options.onWritesRecovered);
    try {
      this.rev = readRevision(db);
      const t = options.transformer;
      for (const row of loadRows(db)) this.cache.set(row.key, { revision: row.revision, value: t ? t.fromStored(row.key, row.value) : row.value, span: SPAN_UNKNOWN });
      this.transformer = t;
      this.stmts = {
        begin: db.prepare("BEGIN IMMEDIATE"),
        commit: db.prepare("COMMIT"),
        rollback: db.prepare("ROLLBACK"),
        readRevision: db.prepare("SELECT value FROM meta WHERE name = 'revision'"),
        writeRevision: db.prepare("UPDATE meta SET value = ? WHERE name = 'revision'"),
        put: db.prepare("INSERT INTO kv (key, revision, value) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, value = excluded.value"),
        remove: db.prepare("DELETE FROM kv WHERE key = ?"),
      };
    } catch (cause) {
      db.close();
      throw new Error(`loading the store at ${options.path}`, { cause });
    }
    this.keys = SortedKeys.from(this.cache.keys());
    for (const entry of this.cache.values()) this.dataBytes += entry.value.length;
    this.quota = options.quotaBytes ?? Infinity;
    this.hub = new WatchHub({
      historyLimit: options.historyLimit ?? 10_000,
      historyBytes: options.historyBytes ?? DEFAULT_HISTORY_BYTES,
      startRevision: this.rev,
      onListenerError: options.onListenerError,
    });
  }

  revision(): number {
    return this.rev;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.assertOpen(key);
    const entry = this.cache.get(key);
    // Parsed when read: a reader that sends the object on (GET, a write's answer) takes the text.
    return entry && lazyItem(key, entry);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen(prefix);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const { filter, name } = options;
    const past = options.revision !== undefined && options.revision < this.rev;
    const revision = past ? options.revision! : this.rev;
    const entries = past ? this.entriesAt(prefix, revision, options.afterKey) : this.currentEntries(prefix, options.afterKey);
    const items: StoredObject[] = [];
    for (const { key, entry, left } of entries) {
      if (name !== undefined && !keyHasName(key, name)) continue;
      if (filter) {
        const object: KubeObject = JSON.parse(entry.value);
        if (!filter(object)) continue;
        if (items.length === limit) {
          return { items, revision, continueAfter: items[items.length - 1]!.key };
        }
        items.push({ key, revision: entry.revision, object, json: entry.value, span: entry.span });
        continue;
      }
      if (items.length === limit) {
        // A further match exists, so the page is not the last. Without a filter the count of
        // keys left is exact; with one it would only be a guess, and Kubernetes omits it then.
        return { items, revision, continueAfter: items[items.length - 1]!.key, ...(name === undefined ? { remaining: left } : {}) };
      }
      items.push(lazyItem(key, entry));
    }
    return { items, revision };
  }

  /** The current entries under prefix after afterKey, in key order; `left` counts this one and those after. */
  private *currentEntries(prefix: string, afterKey: string | undefined): Generator<{ key: string; entry: Entry; left: number }> {
    const [start, end] = this.keys.prefixRange(prefix, afterKey);
    for (let i = start; i < end; i++) {
      const key = this.keys.at(i)!;
      yield { key, entry: this.cache.get(key)!, left: end - i };
    }
  }

  /**
   * The entries under prefix as they were at `revision`: the current ones with every later
   * change undone from the watch history (which holds each change's previous value). No old
   * rows are kept in SQLite, so a revision older than the history is Compacted — what etcd
   * answers once it has compacted past a continue token's revision. Lazy, so a page costs its
   * length, not the rest of the list; `left` counts keys created since too (an estimate, which
   * remainingItemCount may be).
   */
  private *entriesAt(prefix: string, revision: number, afterKey: string | undefined): Generator<{ key: string; entry: Entry; left: number }> {
    const undone = this.hub.valuesAt(prefix, revision);
    // Keys deleted since `revision` are in history only; merge them into the sorted current keys.
    const gone = [...undone.keys()].filter((k) => !this.cache.has(k) && (afterKey === undefined || k > afterKey)).sort();
    let g = 0;
    const at = (key: string, left: number) => {
      const past = undone.get(key);
      const entry = past === undefined ? this.cache.get(key)! : past;
      return entry === null ? undefined : { key, entry, left };
    };
    for (const { key, left } of this.currentEntries(prefix, afterKey)) {
      while (g < gone.length && gone[g]! < key) {
        const e = at(gone[g]!, left + gone.length - g++);
        if (e) yield e;
      }
      const e = at(key, left + gone.length - g);
      if (e) yield e;
    }
    while (g < gone.length) {
      const e = at(gone[g]!, gone.length - g++);
      if (e) yield e;
    }
  }

  // create/update read `object` when the batch commits (next macrotask), not when called:
  // callers must not mutate it until the promise settles. The stored copy is then independent.
  create(key: string, object: KubeObject): Promise<StoredObject> {
    return this.enqueue((settle) => ({ kind: "create", key, object, settle }));
  }

  update(key: string, object: KubeObject, expectedRevision?: number): Promise<StoredObject> {
    return this.enqueue((settle) => ({ kind: "update", key, object, expectedRevision, settle }));
  }

  delete(key: string, expectedRevision?: number): Promise<StoredObject> {
    return this.enqueue((settle) => ({ kind: "delete", key, expectedRevision, settle }));
  }

  /**
   * Writes the key's current value again through the transformer (encryption key rotation):
   * same value, same revision, no watch event. It is decided inside the commit, against the
   * value current at that moment, so a concurrent update is never overwritten by an older
   * copy; a key deleted meanwhile rejects with NotFound.
   */
  reseal(key: string): Promise<StoredObject> {
    return this.enqueue((settle) => ({ kind: "reseal", key, settle }));
  }

  /** The stored (transformed) values under a prefix, as on disk: to check what a rotation left. */
  *storedValues(prefix: string): Generator<{ key: string; stored: string }> {
    this.assertOpen(prefix);
    // `prefix` + U+FFFF bounds every key that starts with the prefix (keys are ASCII paths).
    for (const row of this.db.query("SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key").iterate(prefix, prefix + "\uffff") as Iterable<{ key: string; value: string }>) {
      yield { key: row.key, stored: row.value };
    }
  }

  watch(prefix: string, options: WatchOptions, listener: (event: WatchEvent) => void): () => void {
    this.assertOpen(prefix);
    return this.hub.watch(prefix, options.fromRevision, listener, options);
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen("");
    this.hub.compact(revision, this.rev);
  }

  stats(): StoreStats {
    const dbBytes = fileSize(this.path);
    const walBytes = fileSize(`${this.path}-wal`);
    const history = this.hub.retained;
    return {
      revision: this.rev,
      compactRevision: this.hub.horizon,
      keys: this.cache.size,
      sizeBytes: dbBytes + walBytes,
      dbBytes,
      walBytes,
      watchers: this.hub.watcherCount,
      historyEvents: history.events,
      historyBytes: history.bytes,
      dataBytes: this.dataBytes,
      ...(this.quota === Infinity ? {} : { quotaBytes: this.quota }),
      writable: this.commits.writable,
    };
  }

  /**
   * Returns free pages to the file system in short steps (sqlite-maintenance.ts), each inside
   * the next group commit (a commit of its own when nobody writes). Does nothing while the
   * free pages are few. Resolves with what it did; longestStepMs is the most one step added
   * to a commit.
   */
  async maintain(): Promise<{ steps: number; freedPages: number; longestStepMs: number }> {
    this.assertOpen("");
    const before = pageCounts(this.db);
    const out = { steps: 0, freedPages: 0, longestStepMs: 0 };
    if (!worthVacuuming(before)) return out;
    let free = before.free;
    while (free > 0 && !this.closed) {
      const ms = await new Promise<number>((resolve) => this.commits.requestVacuum({ pages: VACUUM_STEP_PAGES, resolve }));
      if (ms < 0) break;
      const left = freePages(this.db);
      out.longestStepMs = Math.max(out.longestStepMs, ms);
      out.steps++;
      out.freedPages += free - left;
      if (left >= free) break; // nothing moved (another connection holds a read lock on those pages)
      free = left;
    }
    return out;
  }

  /**
   * Copies the WAL into the database and truncates it. Only for the checkpoint owner: SQLite's
   * autocheckpoint in this connection normally, Litestream when it replicates (then never call
   * this: a TRUNCATE checkpoint behind Litestream's back loses it WAL frames).
   */
  checkpoint(): void {
    this.assertOpen("");
    this.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  /**
   * Moves the revision forward to `to` (never back), as etcdutl's `snapshot restore
   * --bump-revision` does: after a restore, writes the lost copy acknowledged were given
   * revisions clients may have seen; the restored store must not hand them out again for
   * other objects. History restarts there (older resumes get Compacted, so clients relist).
   */
  bumpRevision(to: number): number {
    this.assertOpen("");
    if (this.commits.pending > 0) throw new Error("bumpRevision with writes queued");
    if (to <= this.rev) return this.rev;
    this.stmts.writeRevision.run(to);
    this.walSync?.syncNow();
    this.rev = to;
    this.hub.compact(to, to);
    return to;
  }

  /** A value of the bootstrap table (sealed PKI and keys), or undefined. */
  readBootstrap(name: string): Uint8Array | undefined {
    this.assertOpen(name);
    return readBootstrapRow(this.db, name);
  }

  /** Writes a bootstrap value durably (its own transaction; no revision: it is not an object). */
  writeBootstrap(name: string, value: Uint8Array): void {
    this.assertOpen(name);
    writeBootstrapRow(this.db, name, value);
    this.walSync?.syncNow();
  }

  /** Commits what is queued, then closes the file. Later calls fail with Closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.commits.drain();
    this.closed = true;
    this.hub.clear();
    try {
      // Unfinalized statements would keep the connection (and its file descriptors) alive as a
      // "zombie" after close, so `--cluster-reset` would still see the file held open.
      for (const stmt of Object.values(this.stmts)) stmt.finalize();
      this.db.close();
      this.walSync?.close();
    } catch (cause) {
      throw new Error(`closing the store at ${this.path}`, { cause });
    }
  }

  private assertOpen(key: string): void {
    if (this.closed) throw new StoreError("Closed", key, "the store is closed");
  }

  private enqueue(make: (settle: Settle) => WriteOp): Promise<StoredObject> {
    return new Promise<StoredObject>((resolve, reject) => {
      const op = make({ resolve, reject });
      if (this.closed) return reject(new StoreError("Closed", op.key, "the store is closed"));
      this.commits.add(op);
    });
  }

  /**
   * Writes a batch (and a vacuum step) in one transaction for the group commit: its outcome
   * is applied once the WAL is synced. A failed commit rejects the batch's writes.
   */
  private commitBatch(batch: WriteOp[], vacuum: VacuumRequest | undefined): { outcome: BatchOutcome; started: number } | undefined {
    let vacuumMs = -1;
    let outcome: BatchOutcome | undefined;
    const started = performance.now();
    try {
      this.stmts.begin.run();
      try {
        this.checkSoleWriter();
        const sealed = (key: string, value: string) => (this.transformer ? this.transformer.toStored(key, value) : value);
        outcome = writeBatch(batch, {
          revision: this.rev,
          dataBytes: this.dataBytes,
          quota: this.quota,
          current: (key) => this.cache.get(key),
          put: (key, revision, value) => this.stmts.put.run(key, revision, sealed(key, value)),
          remove: (key) => this.stmts.remove.run(key),
        });
        if (outcome.revision !== this.rev) this.stmts.writeRevision.run(outcome.revision);
        if (vacuum) {
          const t = performance.now();
          if (vacuumStepInTransaction(this.db, vacuum.pages)) vacuumMs = performance.now() - t;
        }
        this.stmts.commit.run();
      } catch (e) {
        // A failed COMMIT may already have rolled back; the first error is the one to tell.
        if (this.db.inTransaction) this.stmts.rollback.run();
        throw e;
      }
    } catch (cause) {
      const error = commitFailure(cause, batch, this.path);
      for (const op of batch) op.settle.reject(error);
      vacuum?.resolve(-1);
      this.spell.failed(error);
      return undefined;
    }
    this.spell.succeeded();
    vacuum?.resolve(vacuumMs);
    return batch.length === 0 ? undefined : { outcome, started };
  }

  /** A committed and synced batch: the cache, the revision, watchers, then the writers. */
  private apply(outcome: BatchOutcome, started: number): void {
    const { overlay, done, refused, resealed } = outcome;
    for (const [key, entry] of overlay) {
      if (entry === null) {
        this.cache.delete(key);
        this.keys.remove(key);
      } else {
        if (!this.cache.has(key)) this.keys.add(key);
        this.cache.set(key, entry);
      }
    }
    this.rev = outcome.revision;
    this.dataBytes = outcome.dataBytes;
    this.onCommit?.({ writes: done.length, refused: refused.length, durationMs: performance.now() - started });
    // Watchers hear of the commit before any writer's continuation runs (those are microtasks).
    this.hub.publish(done.map((d) => d.event));
    for (const { op, event } of done) op.settle.resolve(lazyItem(op.key, { revision: event.revision, value: event.value, span: event.valueSpan ?? SPAN_UNKNOWN }));
    for (const { op, error } of refused) op.settle.reject(error);
    for (const { op, entry } of resealed) op.settle.resolve(lazyItem(op.key, entry));
  }

  /** Another process writing the file would make the in-memory state wrong: refuse to go on. */
  private checkSoleWriter(): void {
    const row = this.stmts.readRevision.get() as { value: number } | null;
    if ((row?.value ?? 0) !== this.rev) {
      throw new Error(`the store's revision on disk (${row?.value}) differs from this process's (${this.rev}): another process wrote it`);
    }
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // no WAL file yet, or an in-memory database
  }
}

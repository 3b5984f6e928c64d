/**
 * Opening the SQLite file: pragmas, schema, and the rows the store keeps in memory.
 *
 * Schema (user_version 2; version 1 lacked auto_vacuum and the bootstrap table and is
 * upgraded by one VACUUM at open):
 *   kv(id INTEGER PRIMARY KEY, key TEXT UNIQUE, revision INTEGER, value TEXT) — current objects as JSON.
 *     A rowid table on purpose: objects are ~1 KB, and SQLite's WITHOUT ROWID tables want rows
 *     under ~1/20 of a page. Measured (64 rows per FULL-synced transaction, 1 KB values):
 *     WITHOUT ROWID 5.5k rows/s and 154 MB on disk, rowid 21.6k rows/s and 50 MB.
 *   meta(name TEXT PRIMARY KEY, value INTEGER) — 'revision': the last revision handed out,
 *     written in the same transaction as the rows, so it survives restarts and deletes.
 *   bootstrap(name TEXT PRIMARY KEY, value BLOB) — the server's PKI and keys, sealed with the
 *     token (server/bootstrap-data.ts): in the same file, so a replica or snapshot carries them.
 * History is not on disk: after a restart, watches resume only from the reopen revision on.
 * Deleted rows leave free pages: auto_vacuum=INCREMENTAL lets the store hand them back to the
 * file system in small steps (sqlite-maintenance.ts) instead of one long VACUUM.
 */
import { Database } from "bun:sqlite";
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { refuseNewerSchema } from "./schema-version.ts";

const SCHEMA_VERSION = 2;
/** After a checkpoint the WAL file is truncated to this size, so one burst does not keep a big WAL. */
const JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024;

export interface OpenDbOptions {
  path: string;
  /** WAL pages between automatic checkpoints; 0 leaves checkpoints to someone else (Litestream). */
  walAutoCheckpoint: number;
}

export interface LoadedRow {
  key: string;
  revision: number;
  value: string;
}

/** Deletes a database and its WAL and shared-memory files (a restored copy refused or given up on). */
export function removeDatabaseFiles(path: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
}

export function openDatabase(options: OpenDbOptions): Database {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { create: true, strict: true });
  try {
    db.run("PRAGMA busy_timeout = 5000"); // Litestream briefly holds the write lock while it checkpoints
    // Only takes effect on a file with no tables yet (a new one); version 1 files get it in migrate().
    db.run("PRAGMA auto_vacuum = INCREMENTAL");
    db.run("PRAGMA journal_mode = WAL");
    // Only when this connection owns checkpoints. The first commit after a WAL reset truncates
    // the file to the limit, and under Litestream the frames past it may not be copied yet:
    // Litestream 0.3 copies the rest of the old WAL only after its checkpoint, and a commit of
    // ours can reset the WAL first. Frames cut away so were missing from the replica, and a
    // restore came back with rows absent and indexes disagreeing with their tables.
    if (options.walAutoCheckpoint > 0) db.run(`PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    // NORMAL: SQLite syncs around checkpoints only; a durable store syncs the WAL after each of
    // its commits itself, off the event loop (wal-sync.ts).
    db.run("PRAGMA synchronous = NORMAL");
    db.run(`PRAGMA wal_autocheckpoint = ${Math.max(0, Math.floor(options.walAutoCheckpoint))}`);
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(db: Database): void {
  const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  refuseNewerSchema(db.filename, version, SCHEMA_VERSION);
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) throw new Error(`unknown store schema version ${version} (this build knows ${SCHEMA_VERSION})`);
  if (version === 1) {
    // auto_vacuum changes on a file with tables only through a full VACUUM (once, at upgrade).
    db.run("VACUUM");
  }
  db.transaction(() => {
    db.run("CREATE TABLE IF NOT EXISTS kv (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, revision INTEGER NOT NULL, value TEXT NOT NULL)");
    db.run("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
    db.run("CREATE TABLE IF NOT EXISTS bootstrap (name TEXT PRIMARY KEY, value BLOB NOT NULL)");
    db.run("INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0)");
    db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  })();
}

export function readRevision(db: Database): number {
  const row = db.query("SELECT value FROM meta WHERE name = 'revision'").get() as { value: number } | null;
  return row?.value ?? 0;
}

export function loadRows(db: Database): LoadedRow[] {
  return db.query("SELECT key, revision, value FROM kv").all() as LoadedRow[];
}

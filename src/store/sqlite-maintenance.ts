/**
 * Giving the file system back what deleted rows freed, in steps short enough that writers
 * barely notice. A full VACUUM rewrites the whole file while holding the write lock (K3s's
 * SQLite users see multi-second stalls: k3s-io/k3s#10396); `PRAGMA incremental_vacuum(N)`
 * moves at most N pages per call, and the store runs each call inside one of its group
 * commits, so a step costs the writers of that batch its page moves and no fsync of its own.
 * Needs auto_vacuum=INCREMENTAL (sqlite-schema.ts).
 */
import type { Database } from "bun:sqlite";

/**
 * Pages moved per step: 256 × 4 KiB = 1 MiB. Run as a transaction of its own, a step took
 * 8 ms on a quiet dev VM and up to 60 ms when other work shared the disk, nearly all of it
 * the fsync; riding a group commit it adds only the page moves, ≤ 1 ms (bench/store-growth.ts).
 */
export const VACUUM_STEP_PAGES = 256;

export interface PageCounts {
  pages: number;
  free: number;
  pageSize: number;
}

export function pageCounts(db: Database): PageCounts {
  const pages = (db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
  const free = (db.query("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count;
  const pageSize = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  return { pages, free, pageSize };
}

/**
 * Whether free pages are worth returning: more than a step's worth and more than an eighth
 * of the file (a file that churns reuses its free pages; giving them back only to grow again
 * would cost fsyncs for nothing).
 */
export function worthVacuuming({ pages, free }: PageCounts): boolean {
  return free > VACUUM_STEP_PAGES && free * 8 > pages;
}

/**
 * One step inside the caller's open write transaction (the store's next group commit), so it
 * shares that commit's fsync instead of adding one. Under a savepoint: a failed step is undone
 * alone and the writes around it commit. Returns false when it failed.
 */
export function vacuumStepInTransaction(db: Database, pages = VACUUM_STEP_PAGES): boolean {
  db.run("SAVEPOINT vacuum_step");
  try {
    // The pragma returns no rows but must be stepped to the end; .run() does that.
    db.run(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
    db.run("RELEASE vacuum_step");
    return true;
  } catch {
    db.run("ROLLBACK TO vacuum_step");
    db.run("RELEASE vacuum_step");
    return false;
  }
}

export function freePages(db: Database): number {
  return (db.query("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count;
}

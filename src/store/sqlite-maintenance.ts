/**
 * Giving the file system back what deleted rows freed, in steps short enough that writers
 * barely notice. A full VACUUM rewrites the whole file while holding the write lock (K3s's
 * SQLite users see multi-second stalls: k3s-io/k3s#10396); `PRAGMA incremental_vacuum(N)`
 * moves at most N pages per call, each call its own small transaction, so the store's group
 * commit runs between two steps. Needs auto_vacuum=INCREMENTAL (sqlite-schema.ts).
 */
import type { Database } from "bun:sqlite";

/**
 * Pages moved per step: 256 × 4 KiB = 1 MiB. A step is one small transaction with its own
 * fsync, which is most of its cost: 8 ms on a quiet dev VM, up to 60 ms when other work
 * shares the disk (bench/store-growth.ts) — the same order as one ordinary commit's fsync
 * there, so a writer waits at most about one extra commit.
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

/** One step; returns how many free pages are left. Must run outside a transaction. */
export function vacuumStep(db: Database, pages = VACUUM_STEP_PAGES): number {
  // The pragma returns no rows but must be stepped to the end; .run() does that.
  db.run(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
  return (db.query("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count;
}

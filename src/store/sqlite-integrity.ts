/**
 * Checking a database file that came from elsewhere before the store trusts it. Litestream
 * v0.3.13 can restore a file whose indexes disagree with their tables
 * (benbjohnson/litestream#582, #1164; its maintainers' advice is an integrity check after every
 * restore): the rows read fine at open, and the first lookup by key then fails with "database
 * disk image is malformed". An index holds nothing a table does not, so REINDEX rebuilds it
 * from the rows; damage that REINDEX does not clear is in a table, and such a file is refused.
 *
 * `integrity_check`, not `quick_check`: only the full check compares each index with its table.
 */
import { Database } from "bun:sqlite";

/** At most this many problems are read (the check stops there). */
const MAX_PROBLEMS = 100;

export type IntegrityResult =
  | { ok: true; repaired: string[] }
  | { ok: false; problems: string[]; cause?: unknown };

/** `PRAGMA integrity_check`'s lines, none when the file is sound. */
export function integrityProblems(db: Database): string[] {
  const rows = db.query(`PRAGMA integrity_check(${MAX_PROBLEMS})`).all() as { integrity_check: string }[];
  const lines = rows.map((r) => r.integrity_check);
  return lines.length === 1 && lines[0] === "ok" ? [] : lines;
}

/**
 * Checks the file at `path`; when it is damaged, rebuilds its indexes and checks again.
 * `repaired` lists what the first check found when REINDEX cleared it; a file that stays
 * damaged comes back with what the last check (or REINDEX itself) said. Nothing else is written.
 */
export function checkAndRepairIndexes(path: string): IntegrityResult {
  const db = new Database(path, { readwrite: true, create: false });
  try {
    const found = integrityProblems(db);
    if (found.length === 0) return { ok: true, repaired: [] };
    try {
      db.run("REINDEX");
    } catch (cause) {
      return { ok: false, problems: found, cause };
    }
    const left = integrityProblems(db);
    return left.length === 0 ? { ok: true, repaired: found } : { ok: false, problems: left };
  } catch (cause) {
    return { ok: false, problems: [], cause };
  } finally {
    db.close();
  }
}

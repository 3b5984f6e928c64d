import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkAndRepairIndexes, integrityProblems } from "./sqlite-integrity.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-integrity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The store's table shape; rows a, b, c in key order, the file in rollback mode so edits land in it. */
function makeDb(name: string): { path: string; pageSize: number; indexRoot: number; tableRoot: number } {
  const path = join(dir, name);
  const db = new Database(path, { create: true });
  db.run("PRAGMA journal_mode=DELETE");
  db.run("CREATE TABLE kv (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, value TEXT NOT NULL)");
  for (const k of ["a", "b", "c"]) db.run("INSERT INTO kv (key, value) VALUES (?, ?)", [k, `value of ${k}`]);
  const pageSize = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  const root = (n: string) => (db.query("SELECT rootpage FROM sqlite_master WHERE name = ?").get(n) as { rootpage: number }).rootpage;
  const out = { path, pageSize, indexRoot: root("sqlite_autoindex_kv_1"), tableRoot: root("kv") };
  db.close();
  return out;
}

function editPage(path: string, pageSize: number, page: number, edit: (p: Buffer) => void): void {
  const fd = openSync(path, "r+");
  try {
    const buf = Buffer.alloc(pageSize);
    readSync(fd, buf, 0, pageSize, (page - 1) * pageSize);
    edit(buf);
    writeSync(fd, buf, 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

const keysFrom = (path: string, from: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query("SELECT key FROM kv WHERE key >= ? ORDER BY key").all(from) as { key: string }[]).map((r) => r.key);
  } finally {
    db.close();
  }
};

test("a sound file is left as it is", () => {
  const { path } = makeDb("sound.db");
  expect(checkAndRepairIndexes(path)).toEqual({ ok: true, repaired: [] });
});

test("an index missing a row of its table (Litestream's restores) is rebuilt, and lookups by key find the row again", () => {
  const { path, pageSize, indexRoot } = makeDb("index.db");
  // Drop the index's last cell: keys went in ascending, so its cell is the lowest in the
  // content area. The page stays well formed; the index no longer has row 3.
  editPage(path, pageSize, indexRoot, (p) => {
    expect(p[0]).toBe(0x0a); // a leaf index page
    expect(p.readUInt16BE(3)).toBe(3);
    const [, second, third] = [8, 10, 12].map((o) => p.readUInt16BE(o));
    expect(p.readUInt16BE(5)).toBe(third!);
    p.writeUInt16BE(2, 3);
    p.writeUInt16BE(second!, 5);
  });
  expect(keysFrom(path, "a")).toEqual(["a", "b"]);
  const db = new Database(path, { readonly: true });
  const problems = integrityProblems(db);
  db.close();
  expect(problems.some((l) => l.includes("missing from index sqlite_autoindex_kv_1"))).toBe(true);

  const result = checkAndRepairIndexes(path);
  expect(result).toEqual({ ok: true, repaired: problems });
  expect(keysFrom(path, "a")).toEqual(["a", "b", "c"]);
});

test("a damaged table is not repaired: the result says what the check found", () => {
  const { path, pageSize, tableRoot } = makeDb("table.db");
  editPage(path, pageSize, tableRoot, (p) => {
    expect(p[0]).toBe(0x0d); // a leaf table page
    p[0] = 0x07; // no such page type
  });
  const result = checkAndRepairIndexes(path);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect([...result.problems, String(result.cause)].join("\n")).toMatch(/malformed|btreeInitPage|error code 11/);
});

test("a file that is not a database is refused, not thrown", () => {
  const path = join(dir, "junk.db");
  writeFileSync(path, "x".repeat(8192));
  const result = checkAndRepairIndexes(path);
  expect(result.ok).toBe(false);
});

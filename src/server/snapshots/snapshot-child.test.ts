import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../store/sqlite.ts";
import { inspectSnapshot } from "../../store/sqlite-snapshot.ts";
import { storePath } from "./snapshot-dir.ts";
import { saveSnapshotApart } from "./snapshot-child.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-snapchild-"));
const k3rsFromSource = [process.execPath, join(import.meta.dir, "../../main.ts")];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a snapshot taken apart leaves the thread free meanwhile and holds the store at one revision", async () => {
  const store = openSqliteStore({ path: storePath(dir), durable: false });
  for (let i = 0; i < 2000; i++) await store.create(`/configmaps/default/c-${i}`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c-${i}`, namespace: "default" }, data: { v: "x".repeat(4000) } });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const saved = await saveSnapshotApart(dir, "n1", k3rsFromSource);
  clearInterval(timer);
  expect(ticks).toBeGreaterThan(0); // the server's thread ran while the copy was made
  expect(saved.revision).toBe(store.revision());
  expect(saved.objects).toBe(2000);
  expect(saved.name).toMatch(/^k3rs-snapshot-n1-\d+$/);
  expect(inspectSnapshot(saved.path)).toEqual({ revision: store.revision(), objects: 2000, bytes: saved.bytes });
  await store.close();
}, 60_000);

test("a failed snapshot says why, from the child's own words", async () => {
  const empty = mkdtempSync(join(dir, "empty-"));
  const failed = await saveSnapshotApart(empty, "n1", k3rsFromSource).catch((e) => e);
  expect(String(failed)).toContain("k3rs snapshot save exited with 1");
  expect(String(failed)).toContain("no store at");
  expect(existsSync(join(empty, "server", "db", "snapshots"))).toBe(false);
}, 60_000);

test("a child that does not finish in time is killed, and the snapshot fails saying so", async () => {
  const started = performance.now();
  const failed = await saveSnapshotApart(dir, "n1", ["/bin/sh", "-c", "sleep 5"], 300).catch((e) => e);
  expect(String(failed)).toContain("did not finish in 0.3 s and was killed");
  expect(performance.now() - started).toBeLessThan(4000); // not the 5 s its leftover sleep holds the pipes
}, 60_000);

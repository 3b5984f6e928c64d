import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore, type SqliteStore } from "../../store/sqlite.ts";
import { inspectSnapshot } from "../../store/sqlite-snapshot.ts";
import { deleteSnapshots, listSnapshots, pruneSnapshots, saveSnapshot, snapshotsDir, storePath } from "./snapshot-dir.ts";
import { clusterReset } from "../cluster-reset.ts";

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "dur-snap-"));
  dirs.push(d);
  return d;
}

const cm = (name: string, v = "x") => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { v } });

test("a snapshot taken while the store is open holds the committed state at one revision", async () => {
  const dir = dataDir();
  const store = openSqliteStore({ path: storePath(dir) });
  stores.push(store);
  for (let i = 0; i < 200; i++) await store.create(`/configmaps/default/c${i}`, cm(`c${i}`));
  // Writes queued but not yet committed when the snapshot is taken are not in it.
  const pending = Array.from({ length: 100 }, (_, i) => store.create(`/configmaps/default/late${i}`, cm(`late${i}`)));
  const saved = saveSnapshot(dir, { node: "dur-n1", nowMs: 1_700_000_000_000 });
  await Promise.all(pending);
  expect(saved.name).toBe("k3rs-snapshot-dur-n1-1700000000");
  expect(saved.path).toBe(join(snapshotsDir(dir), saved.name));
  expect([saved.revision, saved.objects]).toEqual([200, 200]);
  expect(inspectSnapshot(saved.path)).toMatchObject({ revision: 200, objects: 200 });
  expect(store.revision()).toBe(300);
});

test("ls lists newest first; prune keeps the newest N of one name only; delete refuses unknown names", async () => {
  const dir = dataDir();
  const store = openSqliteStore({ path: storePath(dir) });
  stores.push(store);
  await store.create("/configmaps/default/a", cm("a"));
  for (const t of [1, 2, 3, 4]) saveSnapshot(dir, { node: "dur-n1", nowMs: t * 1000_000 });
  saveSnapshot(dir, { name: "before-upgrade", node: "dur-n1", nowMs: 500_000 });
  expect(listSnapshots(dir).map((s) => s.name)).toEqual(["k3rs-snapshot-dur-n1-4000", "k3rs-snapshot-dur-n1-3000", "k3rs-snapshot-dur-n1-2000", "k3rs-snapshot-dur-n1-1000", "before-upgrade-dur-n1-500"]);
  expect(pruneSnapshots(dir, "k3rs-snapshot", 2)).toEqual(["k3rs-snapshot-dur-n1-2000", "k3rs-snapshot-dur-n1-1000"]);
  expect(listSnapshots(dir).map((s) => s.name)).toEqual(["k3rs-snapshot-dur-n1-4000", "k3rs-snapshot-dur-n1-3000", "before-upgrade-dur-n1-500"]);
  expect(() => deleteSnapshots(dir, ["before-upgrade-dur-n1-500", "nope"])).toThrow("no such snapshot: nope");
  expect(listSnapshots(dir)).toHaveLength(3); // nothing deleted when one name is wrong
  expect(deleteSnapshots(dir, ["before-upgrade-dur-n1-500"])).toEqual(["before-upgrade-dur-n1-500"]);
  expect(listSnapshots(dir)).toHaveLength(2);
  expect(() => saveSnapshot(dir, { name: "../escape", node: "dur-n1" })).toThrow("invalid snapshot name");
});

test("cluster reset restores a snapshot, keeps the old database aside, and the store reopens at the snapshot's state", async () => {
  const dir = dataDir();
  let store = openSqliteStore({ path: storePath(dir) });
  await store.create("/configmaps/default/kept", cm("kept"));
  const saved = saveSnapshot(dir, { node: "dur-n1" });
  const after = await store.create("/configmaps/default/after", cm("after"));
  await store.close();

  const result = clusterReset(dir, saved.path, 1_800_000_000_000);
  expect(result.keptAside).toBe(join(dir, "server", "db", "state-old-1800000000.db"));
  expect(existsSync(result.keptAside!)).toBe(true);
  expect(result.lines.at(-1)).toContain("Restart without --cluster-reset");

  store = openSqliteStore({ path: storePath(dir) });
  stores.push(store);
  // Revisions continue above the replaced store's, never reusing one it handed out.
  expect(saved.revision).toBeLessThan(after.revision);
  expect(store.revision()).toBe(after.revision + 1);
  expect((await store.create("/configmaps/default/new", cm("new"))).revision).toBe(after.revision + 2);
  expect(await store.get("/configmaps/default/kept")).toBeDefined();
  expect(await store.get("/configmaps/default/after")).toBeUndefined();
  const old = openSqliteStore({ path: result.keptAside! });
  stores.push(old);
  expect(await old.get("/configmaps/default/after")).toBeDefined();
});

test("cluster reset with a file that is not a snapshot changes nothing", async () => {
  const dir = dataDir();
  const store = openSqliteStore({ path: storePath(dir) });
  await store.create("/configmaps/default/a", cm("a"));
  await store.close();
  const junk = join(dir, "junk.db");
  writeFileSync(junk, "not a database".repeat(100));
  expect(() => clusterReset(dir, junk)).toThrow("is not a usable k3rs snapshot");
  expect(() => clusterReset(dir, join(dir, "missing.db"))).toThrow("is not a usable k3rs snapshot");
  const again = openSqliteStore({ path: storePath(dir) });
  stores.push(again);
  expect(await again.get("/configmaps/default/a")).toBeDefined();
});

test("cluster reset refuses while a process has the store open, and changes nothing", async () => {
  const dir = dataDir();
  const store = openSqliteStore({ path: storePath(dir) });
  stores.push(store);
  await store.create("/configmaps/default/a", cm("a"));
  const saved = saveSnapshot(dir, { node: "dur-n1" });
  await store.create("/configmaps/default/b", cm("b"));
  expect(() => clusterReset(dir, saved.path)).toThrow(`is open in process ${process.pid}: stop the server on this data dir first`);
  expect(await store.get("/configmaps/default/b")).toBeDefined();
  expect(existsSync(storePath(dir))).toBe(true);
});

import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect, errorCode, makeObject, runStoreConformance } from "./conformance.ts";
import { openSqliteStore, type SqliteStore } from "./sqlite.ts";
import { StoreError } from "./types.ts";

const dirs: string[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-store-"));
  dirs.push(dir);
  return join(dir, "state.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

runStoreConformance("sqlite", async () => {
  const store = openSqliteStore({ path: tempPath() });
  return { store, cleanup: () => store.close() };
});

describe("SqliteStore", () => {
  const open: SqliteStore[] = [];
  const openStore = (path: string, historyLimit?: number) => {
    const s = openSqliteStore({ path, historyLimit });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  test("the revision survives a reopen, deletes included", async () => {
    const path = tempPath();
    const s1 = openStore(path);
    await s1.create("/k/a", makeObject("a"));
    await s1.create("/k/b", makeObject("b"));
    const gone = await s1.delete("/k/b");
    await s1.close();
    const s2 = openStore(path);
    expect(s2.revision()).toBe(gone.revision);
    expect((await s2.get("/k/a"))!.object.metadata.name).toBe("a");
    expect(await s2.get("/k/b")).toBeUndefined();
    const next = await s2.create("/k/c", makeObject("c"));
    expect(next.revision).toBe(gone.revision + 1);
  });

  test("500 concurrent creates resolve with distinct revisions and are all there after reopen", async () => {
    const path = tempPath();
    const s1 = openStore(path);
    const created = await Promise.all(Array.from({ length: 500 }, (_, i) => s1.create(`/k/${i}`, makeObject(String(i)))));
    expect(new Set(created.map((c) => c.revision)).size).toBe(500);
    await s1.close();
    const s2 = openStore(path);
    expect(s2.stats().keys).toBe(500);
    for (const c of created) expect((await s2.get(c.key))!.revision).toBe(c.revision);
    expect(s2.revision()).toBe(Math.max(...created.map((c) => c.revision)));
  });

  test("concurrent writes share one transaction", async () => {
    const commits: number[] = [];
    const s = openSqliteStore({ path: tempPath(), onCommit: (c) => commits.push(c.writes) });
    open.push(s);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.create(`/k/${i}`, makeObject(String(i)))));
    expect(commits).toEqual([50]);
    await s.create("/k/alone", makeObject("alone"));
    expect(commits).toEqual([50, 1]);
  });

  test("a write resolves, and is seen by readers and watchers, only once its commit's WAL sync returns; writes made meanwhile wait for the next commit", async () => {
    const gates: (() => void)[] = [];
    const path = tempPath();
    const s = openSqliteStore({ path, syncPlacement: "off-thread", walSync: { sync: () => new Promise<void>((r) => gates.push(r)), syncNow: () => {}, close: () => {} } });
    open.push(s);
    const heard: string[] = [];
    s.watch("/k/", { fromRevision: s.revision() }, (e) => heard.push(e.key));
    let resolved = false;
    const write = s.create("/k/a", makeObject("a")).then((r) => ((resolved = true), r));
    const second = s.create("/k/b", makeObject("b"));
    while (gates.length === 0) await Bun.sleep(1);
    // Committed (in the file), not synced: nothing acknowledged or shown; other work goes on.
    await Bun.sleep(20);
    expect([resolved, heard, await s.get("/k/a"), s.revision()]).toEqual([false, [], undefined, 0]);
    const reader = new Database(path, { readonly: true });
    expect(reader.query("SELECT count(*) AS n FROM kv").get()).toEqual({ n: 2 });
    reader.close();
    // A write made meanwhile waits for the next commit, which waits for this sync.
    const third = s.create("/k/c", makeObject("c"));
    await Bun.sleep(20);
    expect(gates.length).toBe(1);
    gates.shift()!();
    expect((await write).revision).toBe(1);
    expect((await second).revision).toBe(2);
    expect(heard).toEqual(["/k/a", "/k/b"]);
    while (gates.length === 0) await Bun.sleep(1);
    gates.shift()!();
    expect((await third).revision).toBe(3);
    expect((await s.get("/k/c"))!.revision).toBe(3);
  });

  test.each(["adaptive", "off-thread"] as const)("a WAL that cannot be synced (%s) fails its writes and every later one; nothing unsynced is shown", async (placement) => {
    let broken = false;
    const fail = () => {
      if (broken) throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    };
    const s = openSqliteStore({ path: tempPath(), syncPlacement: placement, walSync: { sync: async () => fail(), syncNow: fail, close: () => {} } });
    open.push(s);
    const first = await s.create("/k/a", makeObject("a"));
    expect(s.stats().writable).toBe(true);
    broken = true;
    const failed = await s.create("/k/b", makeObject("b")).catch((e: Error) => e);
    expect(s.stats().writable).toBe(false);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toContain("syncing the store's WAL");
    expect(((failed as Error).cause as Error).message).toContain("EIO");
    expect(await s.get("/k/b")).toBeUndefined();
    expect(s.revision()).toBe(first.revision);
    broken = false;
    const later = await s.update("/k/a", makeObject("a"), first.revision).catch((e: Error) => e);
    expect((later as Error).message).toContain("writes are refused until the server restarts");
  });

  test("maxBatch splits a long queue into several transactions", async () => {
    const commits: number[] = [];
    const s = openSqliteStore({ path: tempPath(), maxBatch: 20, onCommit: (c) => commits.push(c.writes) });
    open.push(s);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.create(`/k/${i}`, makeObject(String(i)))));
    expect(commits).toEqual([20, 20, 10]);
  });

  test("a failing precondition in a batch does not fail the others", async () => {
    const s = openStore(tempPath());
    await s.create("/k/taken", makeObject("taken"));
    const results = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) => s.create(`/k/${i}`, makeObject(String(i)))),
      s.create("/k/taken", makeObject("again")),
      ...Array.from({ length: 10 }, (_, i) => s.create(`/k/${i + 10}`, makeObject(String(i + 10)))),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(20);
    const failed = results[10]!;
    expect(failed.status === "rejected" && failed.reason instanceof StoreError && failed.reason.code).toBe("KeyExists");
    expect(s.stats().keys).toBe(21);
  });

  test("an object that cannot be encoded fails alone, without a revision", async () => {
    const s = openStore(tempPath());
    const bad = makeObject("bad");
    bad.spec = { n: 1n }; // BigInt: JSON.stringify throws
    const [good1, badResult, good2] = await Promise.allSettled([s.create("/k/1", makeObject("1")), s.create("/k/bad", bad), s.create("/k/2", makeObject("2"))]);
    expect(good1.status).toBe("fulfilled");
    expect(good2.status).toBe("fulfilled");
    expect(badResult.status).toBe("rejected");
    expect(badResult.status === "rejected" && badResult.reason instanceof StoreError).toBe(false);
    expect(s.revision()).toBe(2);
  });

  test("after a reopen, history starts at the reopen revision", async () => {
    const path = tempPath();
    const s1 = openStore(path);
    const a = await s1.create("/k/a", makeObject("a"));
    await s1.create("/k/b", makeObject("b"));
    await s1.close();
    const s2 = openStore(path);
    expect(s2.stats().compactRevision).toBe(s2.revision());
    expect(await errorCode(() => s2.watch("/k/", { fromRevision: a.revision }, () => {}))).toBe("Compacted");
    const w = collect(s2, "/k/", s2.revision());
    const c = await s2.create("/k/c", makeObject("c"));
    expect((await w.next(1))[0]!.revision).toBe(c.revision);
    w.stop();
  });

  test("history keeps only the last historyLimit events", async () => {
    const s = openStore(tempPath(), 3);
    const revs: number[] = [];
    for (let i = 0; i < 5; i++) revs.push((await s.create(`/k/${i}`, makeObject(String(i)))).revision);
    expect(await errorCode(() => s.watch("/k/", { fromRevision: revs[0]! }, () => {}))).toBe("Compacted");
    const w = collect(s, "/k/", revs[1]!);
    expect((await w.next(3)).map((e) => e.revision)).toEqual(revs.slice(2));
    w.stop();
  });

  test("a write by another process is refused rather than silently diverging", async () => {
    const path = tempPath();
    const s = openStore(path);
    await s.create("/k/a", makeObject("a"));
    const other = new Database(path);
    other.run("UPDATE meta SET value = value + 1 WHERE name = 'revision'");
    other.close();
    const err = await s.create("/k/b", makeObject("b")).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreError);
    expect(String(err.cause)).toContain("another process");
  });

  test("a file that is not a database fails to open with a wrapped error", async () => {
    const path = tempPath();
    await Bun.write(path, "this is not sqlite, just some bytes that are long enough to look like a header".repeat(20));
    let error: unknown;
    try {
      openSqliteStore({ path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(path);
    expect((error as Error).cause).toBeDefined();
  });
});

describe("SqliteStore: a bounded file", () => {
  const open: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  test("100,000 updates of one object keep database + WAL under 20 MiB", async () => {
    // Not durable (no fsync) to run in seconds; the file's layout is the same as with fsync.
    const s = openSqliteStore({ path: tempPath(), durable: false });
    open.push(s);
    let r = await s.create("/configmaps/default/churn", makeObject("churn"));
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      const obj = makeObject("churn");
      obj.data = { v: String(i).padStart(1000, "x") };
      r = await s.update("/configmaps/default/churn", obj, r.revision);
      if (i % 1000 === 0) largest = Math.max(largest, s.stats().sizeBytes);
    }
    expect(r.revision).toBe(100_001);
    expect(largest).toBeLessThan(20 * 1024 * 1024);
  }, 120_000);

  test("when another process checkpoints (Litestream), a WAL reset by the store's commit keeps every frame of the old WAL in the file", async () => {
    // Litestream 0.3 copies the old WAL's last frames after its checkpoint, from the file; a
    // journal_size_limit cut them away when a commit of the store's was the one to reset it.
    const path = tempPath();
    const s = openSqliteStore({ path, durable: false, walAutoCheckpoint: 0 });
    open.push(s);
    for (let i = 0; i < 200; i++) {
      const obj = makeObject(`big-${i}`);
      obj.data = { v: String(i).padStart(100_000, "x") };
      await s.create(`/configmaps/default/big-${i}`, obj);
    }
    const walPath = `${path}-wal`;
    const header = async () => Buffer.from(await Bun.file(walPath).slice(0, 32).arrayBuffer()).toString("hex");
    const grown = Bun.file(walPath).size;
    expect(grown).toBeGreaterThan(20 * 1024 * 1024);
    const before = await header();
    const checkpointer = new Database(path);
    expect(checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)").get()).toEqual({ busy: 0, log: expect.any(Number), checkpointed: expect.any(Number) });
    checkpointer.close();
    await s.create("/configmaps/default/after", makeObject("after"));
    expect(await header()).not.toBe(before); // the store's commit reset the WAL
    expect(Bun.file(walPath).size).toBe(grown);
  });

  test("a vacuum step asked for while a commit's sync runs is made once it is done, with no write to carry it", async () => {
    const s = openSqliteStore({ path: tempPath(), syncPlacement: "off-thread", walSync: { sync: () => Bun.sleep(30), syncNow: () => {}, close: () => {} } });
    open.push(s);
    const big = "y".repeat(4000);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.create(`/k/${i}`, { ...makeObject(String(i)), data: { big } })));
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.delete(`/k/${i}`)));
    s.checkpoint();
    const write = s.create("/k/last", makeObject("last"));
    await Bun.sleep(5); // committed, its sync running
    const report = await Promise.race([s.maintain(), Bun.sleep(5000).then(() => "stuck" as const)]);
    expect(report).not.toBe("stuck");
    expect((report as { freedPages: number }).freedPages).toBeGreaterThan(500);
    await write;
  }, 30_000);

  test("after a mass delete, maintain() shrinks the file in short steps and writes go on between them", async () => {
    const s = openSqliteStore({ path: tempPath(), durable: false });
    open.push(s);
    const big = "y".repeat(4000);
    await Promise.all(Array.from({ length: 3000 }, (_, i) => s.create(`/k/${i}`, { ...makeObject(String(i)), data: { big } })));
    await Promise.all(Array.from({ length: 3000 }, (_, i) => s.delete(`/k/${i}`)));
    s.checkpoint();
    const before = s.stats().dbBytes!;
    // A writer running meanwhile: its writes land between the vacuum steps.
    let writes = 0;
    let stopWriting = false;
    const writer = (async () => {
      while (!stopWriting) {
        await s.create(`/w/${writes}`, makeObject(String(writes)));
        writes++;
      }
    })();
    const report = await s.maintain();
    stopWriting = true;
    await writer;
    expect(report.steps).toBeGreaterThan(1);
    expect(report.freedPages).toBeGreaterThan(2000);
    expect(writes).toBeGreaterThanOrEqual(report.steps - 1);
    s.checkpoint();
    expect(before).toBeGreaterThan(8 * 1024 * 1024);
    expect(s.stats().dbBytes!).toBeLessThan(before / 4);
    expect(s.stats().keys).toBe(writes);
    // Few free pages left: the next round does nothing.
    expect(await s.maintain()).toEqual({ steps: 0, freedPages: 0, longestStepMs: 0 });
  }, 60_000);
});

test("a version-1 file (no auto_vacuum) is upgraded at open, its objects kept", async () => {
  const path = tempPath();
  const old = new Database(path, { create: true });
  old.run("PRAGMA journal_mode = WAL");
  old.run("CREATE TABLE kv (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, revision INTEGER NOT NULL, value TEXT NOT NULL)");
  old.run("CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
  old.run("INSERT INTO meta (name, value) VALUES ('revision', 7)");
  old.run("INSERT INTO kv (key, revision, value) VALUES (?, 7, ?)", ["/k/a", JSON.stringify(makeObject("a"))]);
  old.run("PRAGMA user_version = 1");
  old.close();
  const s = openSqliteStore({ path });
  expect(s.revision()).toBe(7);
  expect((await s.get("/k/a"))!.object.metadata.name).toBe("a");
  await s.close();
  const check = new Database(path);
  expect(check.query("PRAGMA auto_vacuum").get()).toEqual({ auto_vacuum: 2 });
  expect(check.query("PRAGMA user_version").get()).toEqual({ user_version: 2 });
  check.close();
});

describe("SqliteStore: the quota", () => {
  const sized = (name: string, chars: number, extra: Record<string, unknown> = {}) => ({ ...makeObject(name), data: { pad: "q".repeat(chars) }, metadata: { name, namespace: "default", ...extra } });

  test("a write that would grow the objects past the quota fails with NoSpace and changes nothing; deletes, shrinking writes and objects being deleted pass", async () => {
    const path = tempPath();
    const store = openSqliteStore({ path, quotaBytes: 10_000 });
    let last = 0;
    for (let i = 0; i < 4; i++) last = (await store.create(`/k/${i}`, sized(String(i), 2000))).revision;
    const used = store.stats().dataBytes!;
    expect(used).toBeGreaterThan(8000);
    expect(used).toBeLessThanOrEqual(10_000);

    expect(await errorCode(store.create("/k/4", sized("4", 2000)))).toBe("NoSpace");
    expect(await errorCode(store.update("/k/0", sized("0", 4000)))).toBe("NoSpace");
    expect([store.revision(), store.stats().dataBytes, await store.get("/k/4")]).toEqual([last, used, undefined]);

    // Marked for deletion: the write that says so grows the object, and passes.
    const marked = await store.update("/k/1", sized("1", 2000, { deletionTimestamp: "2026-12-06T00:00:00Z", finalizers: ["x/y"] }));
    expect(marked.object.metadata.deletionTimestamp).toBe("2026-12-06T00:00:00Z");
    await store.update("/k/0", sized("0", 100));
    await store.delete("/k/2");
    expect(store.stats().dataBytes!).toBeLessThan(used - 3000);
    await store.create("/k/4", sized("4", 2000));
    await store.close();

    // The count is made again from the file.
    const again = openSqliteStore({ path, quotaBytes: 10_000 });
    const reopened = again.stats().dataBytes;
    expect(await errorCode(again.create("/k/5", sized("5", 9000)))).toBe("NoSpace");
    expect(again.stats().dataBytes).toBe(reopened);
    await again.close();
  });

  test("in one batch, each write is judged against the writes before it", async () => {
    const store = openSqliteStore({ path: tempPath(), quotaBytes: 5000 });
    const results = await Promise.allSettled([0, 1, 2].map((i) => store.create(`/k/${i}`, sized(String(i), 2000))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    expect(store.stats().quotaBytes).toBe(5000);
    await store.close();
  });
});

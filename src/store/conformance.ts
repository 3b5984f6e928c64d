/**
 * The contract every Store backend must keep, as one suite run against each backend.
 *
 * @example
 * runStoreConformance("sqlite", async () => {
 *   const dir = mkdtempSync(join(tmpdir(), "store-"));
 *   const store = openSqliteStore({ path: join(dir, "state.db") });
 *   return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true }); } };
 * });
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../model/object.ts";
import { StoreError, type Store, type StoreErrorCode, type WatchEvent } from "./types.ts";

export interface StoreUnderTest {
  store: Store;
  cleanup(): Promise<void>;
}

export function makeObject(name: string, labels: Record<string, string> = {}, namespace = "default"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels }, data: { name } };
}

/** Resolves with the error code the promise rejects with (fails the test if it resolves). */
export async function errorCode(p: Promise<unknown> | (() => unknown)): Promise<StoreErrorCode> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (e instanceof StoreError) return e.code;
    throw e;
  }
  throw new Error("expected a StoreError, got success");
}

/** Collects watch events; `next(n)` waits until n have arrived (event-driven, bounded by the test timeout). */
export function collect(store: Store, prefix: string, fromRevision: number, signal?: AbortSignal) {
  const events: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  const stop = store.watch(prefix, { fromRevision, signal }, (e) => {
    events.push(e);
    wake?.();
  });
  return {
    events,
    stop,
    async next(n: number): Promise<WatchEvent[]> {
      while (events.length < n) await new Promise<void>((r) => (wake = r));
      return events.slice(0, n);
    },
  };
}

/** Lets queued commits and watch deliveries run. */
export const settle = () => new Promise<void>((r) => setTimeout(r, 5));

export function runStoreConformance(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store conformance: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      sut = await makeStore();
      store = sut.store;
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    describe("writes", () => {
      test("create sets resourceVersion to the new revision and leaves the caller's object alone", async () => {
        const input = makeObject("a");
        const before = store.revision();
        const created = await store.create("/configmaps/default/a", input);
        expect(created.revision).toBeGreaterThan(before);
        expect(store.revision()).toBe(created.revision);
        expect(created.key).toBe("/configmaps/default/a");
        expect(created.object.metadata.resourceVersion).toBe(String(created.revision));
        expect(created.object.data).toEqual({ name: "a" });
        expect(input.metadata.resourceVersion).toBeUndefined();
        const got = await store.get("/configmaps/default/a");
        expect(got).toEqual(created);
      });

      test("revisions increase with every write, deletes included", async () => {
        const revs: number[] = [];
        revs.push((await store.create("/k/a", makeObject("a"))).revision);
        revs.push((await store.update("/k/a", makeObject("a", { v: "2" }))).revision);
        revs.push((await store.create("/k/b", makeObject("b"))).revision);
        revs.push((await store.delete("/k/a")).revision);
        revs.push((await store.create("/k/a", makeObject("a"))).revision);
        for (let i = 1; i < revs.length; i++) expect(revs[i]!).toBeGreaterThan(revs[i - 1]!);
        expect(store.revision()).toBe(revs[revs.length - 1]!);
      });

      test.each([
        ["create of an existing key", "KeyExists", async (s: Store) => s.create("/k/x", makeObject("x"))],
        ["update of a missing key", "NotFound", async (s: Store) => s.update("/k/missing", makeObject("missing"))],
        ["delete of a missing key", "NotFound", async (s: Store) => s.delete("/k/missing")],
        ["update with a stale revision", "Conflict", async (s: Store, rev: number) => s.update("/k/x", makeObject("x"), rev - 1)],
        ["delete with a stale revision", "Conflict", async (s: Store, rev: number) => s.delete("/k/x", rev + 1)],
        ["update of a missing key with a revision", "NotFound", async (s: Store, rev: number) => s.update("/k/missing", makeObject("missing"), rev)],
      ] as const)("%s fails with %s and changes nothing", async (_label, code, write) => {
        const x = await store.create("/k/x", makeObject("x"));
        const revision = store.revision();
        expect(await errorCode(write(store, x.revision))).toBe(code);
        expect(store.revision()).toBe(revision);
        expect(await store.get("/k/x")).toEqual(x);
        expect(await store.get("/k/missing")).toBeUndefined();
      });

      test("update and delete with the current revision succeed", async () => {
        const x = await store.create("/k/x", makeObject("x"));
        const updated = await store.update("/k/x", makeObject("x", { v: "2" }), x.revision);
        expect(updated.object.metadata.labels).toEqual({ v: "2" });
        expect(updated.object.metadata.resourceVersion).toBe(String(updated.revision));
        const deleted = await store.delete("/k/x", updated.revision);
        expect(deleted.object.metadata.labels).toEqual({ v: "2" });
        expect(deleted.revision).toBeGreaterThan(updated.revision);
        expect(deleted.object.metadata.resourceVersion).toBe(String(deleted.revision));
        expect(await store.get("/k/x")).toBeUndefined();
        expect(store.revision()).toBe(deleted.revision);
      });

      test("get returns a private copy", async () => {
        await store.create("/k/x", makeObject("x"));
        const a = await store.get("/k/x");
        a!.object.metadata.labels!.changed = "yes";
        expect((await store.get("/k/x"))!.object.metadata.labels).toEqual({});
      });

      test("concurrent writes each keep their own result", async () => {
        const b = await store.create("/k/b", makeObject("b"));
        const results = await Promise.allSettled([
          store.create("/k/a", makeObject("a")),
          store.create("/k/a", makeObject("a2")), // the first create of the batch won
          store.update("/k/b", makeObject("b", { v: "2" }), b.revision - 1),
          store.update("/k/b", makeObject("b", { v: "3" }), b.revision),
          store.update("/k/b", makeObject("b", { v: "4" }), b.revision), // the one before moved it on
          store.delete("/k/nope"),
          store.create("/k/c", makeObject("c")),
        ]);
        const outcome = results.map((r) => (r.status === "fulfilled" ? "ok" : r.reason instanceof StoreError ? r.reason.code : String(r.reason)));
        expect(outcome).toEqual(["ok", "KeyExists", "Conflict", "ok", "Conflict", "NotFound", "ok"]);
        const revs = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.revision] : []));
        expect(new Set(revs).size).toBe(3);
        expect((await store.get("/k/a"))!.object.data).toEqual({ name: "a" });
        expect((await store.get("/k/b"))!.object.metadata.labels).toEqual({ v: "3" });
        expect(store.revision()).toBe(Math.max(...revs));
      });

      test("100 concurrent creates get distinct revisions and are all readable", async () => {
        const created = await Promise.all(Array.from({ length: 100 }, (_, i) => store.create(`/k/${i}`, makeObject(String(i)))));
        expect(new Set(created.map((c) => c.revision)).size).toBe(100);
        for (const c of created) expect((await store.get(c.key))!.revision).toBe(c.revision);
        expect(store.stats().keys).toBe(100);
      });
    });

    describe("list", () => {
      beforeEach(async () => {
        for (const key of ["/pods/default/b", "/pods/default/a", "/pods/default2/x", "/pods/kube-system/c", "/pods/default/c", "/podsx/default/a"]) {
          await store.create(key, makeObject(key.split("/")[3]!));
        }
      });

      test.each([
        ["/pods/default/", ["/pods/default/a", "/pods/default/b", "/pods/default/c"]],
        ["/pods/default2/", ["/pods/default2/x"]],
        ["/pods/", ["/pods/default/a", "/pods/default/b", "/pods/default/c", "/pods/default2/x", "/pods/kube-system/c"]],
        ["/pods/nothing/", []],
      ])("prefix %s lists its keys in order", async (prefix, keys) => {
        const res = await store.list(prefix);
        expect(res.items.map((i) => i.key)).toEqual(keys);
        expect(res.revision).toBe(store.revision());
        expect(res.continueAfter).toBeUndefined();
        for (const i of res.items) expect(i.object.metadata.resourceVersion).toBe(String(i.revision));
      });

      test("pages with limit and afterKey", async () => {
        const p1 = await store.list("/pods/", { limit: 2 });
        expect(p1.items.map((i) => i.key)).toEqual(["/pods/default/a", "/pods/default/b"]);
        expect(p1.continueAfter).toBe("/pods/default/b");
        expect(p1.remaining).toBe(3);
        const p2 = await store.list("/pods/", { limit: 2, afterKey: p1.continueAfter });
        expect(p2.items.map((i) => i.key)).toEqual(["/pods/default/c", "/pods/default2/x"]);
        const p3 = await store.list("/pods/", { limit: 2, afterKey: p2.continueAfter });
        expect(p3.items.map((i) => i.key)).toEqual(["/pods/kube-system/c"]);
        expect(p3.continueAfter).toBeUndefined();
      });

      test("a page that ends exactly at the last item has no continuation", async () => {
        const res = await store.list("/pods/default/", { limit: 3 });
        expect(res.items).toHaveLength(3);
        expect(res.continueAfter).toBeUndefined();
      });

      test("filter applies before limit counts", async () => {
        const notB = (o: KubeObject) => o.metadata.name !== "b";
        const p1 = await store.list("/pods/", { limit: 2, filter: notB });
        expect(p1.items.map((i) => i.key)).toEqual(["/pods/default/a", "/pods/default/c"]);
        expect(p1.continueAfter).toBe("/pods/default/c");
        const p2 = await store.list("/pods/", { limit: 2, filter: notB, afterKey: p1.continueAfter });
        expect(p2.items.map((i) => i.key)).toEqual(["/pods/default2/x", "/pods/kube-system/c"]);
        expect(p2.continueAfter).toBeUndefined();
        const onlyX = await store.list("/pods/", { limit: 1, filter: (o) => o.metadata.name === "x" });
        expect(onlyX.items.map((i) => i.key)).toEqual(["/pods/default2/x"]);
        expect(onlyX.continueAfter).toBeUndefined();
      });

      test("name keeps only the objects of that name, in every namespace, judged before filter and limit", async () => {
        const judged: string[] = [];
        const all = await store.list("/pods/", { name: "c", filter: (o) => (judged.push(o.metadata.name!), true) });
        expect(all.items.map((i) => i.key)).toEqual(["/pods/default/c", "/pods/kube-system/c"]);
        expect(judged).toEqual(["c", "c"]);
        const p1 = await store.list("/pods/", { name: "c", limit: 1 });
        expect(p1.items.map((i) => i.key)).toEqual(["/pods/default/c"]);
        expect(p1.continueAfter).toBe("/pods/default/c");
        const p2 = await store.list("/pods/", { name: "c", limit: 1, afterKey: p1.continueAfter });
        expect(p2.items.map((i) => i.key)).toEqual(["/pods/kube-system/c"]);
        expect(p2.continueAfter).toBeUndefined();
        expect((await store.list("/pods/", { name: "nothing" })).items).toEqual([]);
      });

      test("deleted keys leave the list", async () => {
        await store.delete("/pods/default/b");
        expect((await store.list("/pods/default/")).items.map((i) => i.key)).toEqual(["/pods/default/a", "/pods/default/c"]);
      });

      test("lists at a past revision: later creates, updates and deletes are undone", async () => {
        const at = store.revision();
        const before = await store.list("/pods/");
        await store.create("/pods/default/aa", makeObject("aa"));
        await store.update("/pods/default/b", { ...makeObject("b"), data: { changed: "yes" } });
        await store.delete("/pods/default/c");
        await store.delete("/pods/default2/x");
        await store.create("/pods/default/c", makeObject("c-again"));
        const past = await store.list("/pods/", { revision: at });
        expect(past.revision).toBe(at);
        expect(past.items.map((i) => [i.key, i.revision, i.object.data])).toEqual(before.items.map((i) => [i.key, i.revision, i.object.data]));
        for (const i of past.items) expect(i.object.metadata.resourceVersion).toBe(String(i.revision));
        const now = await store.list("/pods/");
        expect(now.revision).toBe(store.revision());
        expect(now.items.map((i) => i.key)).toEqual(["/pods/default/a", "/pods/default/aa", "/pods/default/b", "/pods/default/c", "/pods/kube-system/c"]);
      });

      test("pages at a past revision stay at it, deleted keys included", async () => {
        const p1 = await store.list("/pods/", { limit: 2 });
        await store.delete("/pods/default/c");
        await store.create("/pods/default/bb", makeObject("bb"));
        await store.update("/pods/kube-system/c", { ...makeObject("c"), data: { changed: "yes" } });
        const p2 = await store.list("/pods/", { limit: 2, afterKey: p1.continueAfter, revision: p1.revision });
        expect(p2.revision).toBe(p1.revision);
        expect(p2.items.map((i) => i.key)).toEqual(["/pods/default/c", "/pods/default2/x"]);
        expect(p2.remaining).toBe(1);
        const p3 = await store.list("/pods/", { limit: 2, afterKey: p2.continueAfter, revision: p1.revision });
        expect(p3.items.map((i) => [i.key, i.object.data])).toEqual([["/pods/kube-system/c", { name: "c" }]]);
        expect(p3.continueAfter).toBeUndefined();
      });

      test("a revision older than the retained history is Compacted", async () => {
        const at = store.revision();
        await store.create("/pods/default/d", makeObject("d"));
        await store.compact(store.revision());
        expect(await errorCode(store.list("/pods/", { revision: at }))).toBe("Compacted");
        expect((await store.list("/pods/", { revision: store.revision() })).items).toHaveLength(6);
      });
    });

    describe("watch", () => {
      test("delivers ADDED, MODIFIED and DELETED under the prefix, in order, with the previous object", async () => {
        const w = collect(store, "/pods/default/", store.revision());
        const a = await store.create("/pods/default/a", makeObject("a"));
        await store.create("/pods/default2/x", makeObject("x"));
        const a2 = await store.update("/pods/default/a", makeObject("a", { v: "2" }));
        const gone = await store.delete("/pods/default/a");
        const events = await w.next(3);
        w.stop();
        expect(events.map((e) => [e.type, e.key, e.revision])).toEqual([
          ["ADDED", "/pods/default/a", a.revision],
          ["MODIFIED", "/pods/default/a", a2.revision],
          ["DELETED", "/pods/default/a", gone.revision],
        ]);
        expect(events[0]!.prevObject).toBeUndefined();
        expect(events[1]!.prevObject!.metadata.resourceVersion).toBe(String(a.revision));
        expect(events[1]!.object.metadata.labels).toEqual({ v: "2" });
        expect(events[2]!.object.metadata.resourceVersion).toBe(String(gone.revision));
        expect(events[2]!.object.metadata.labels).toEqual({ v: "2" });
        await settle();
        expect(w.events).toHaveLength(3);
      });

      test("resumes from a revision: history first, then live, nothing at or below it", async () => {
        const r1 = await store.create("/k/a", makeObject("a"));
        const r2 = await store.create("/k/b", makeObject("b"));
        const r3 = await store.create("/k/c", makeObject("c"));
        const w = collect(store, "/k/", r1.revision);
        const r4 = await store.create("/k/d", makeObject("d"));
        const events = await w.next(3);
        w.stop();
        expect(events.map((e) => e.revision)).toEqual([r2.revision, r3.revision, r4.revision]);
        expect(events.map((e) => e.type)).toEqual(["ADDED", "ADDED", "ADDED"]);
      });

      test("name delivers only the events of objects of that name, from history and live", async () => {
        const from = store.revision();
        await store.create("/k/ns1/a", makeObject("a"));
        await store.create("/k/ns1/b", makeObject("b"));
        await store.create("/k/ns2/a", makeObject("a"));
        const keys: string[] = [];
        const stop = store.watch("/k/", { fromRevision: from, name: "a" }, (e) => keys.push(`${e.type} ${e.key}`));
        await store.create("/k/ns2/b", makeObject("b"));
        await store.create("/k/ns3/a", makeObject("a"));
        await store.delete("/k/ns1/a");
        await store.create("/k/ns3/xa", makeObject("xa"));
        await settle();
        stop();
        expect(keys).toEqual(["ADDED /k/ns1/a", "ADDED /k/ns2/a", "ADDED /k/ns3/a", "DELETED /k/ns1/a"]);
      });

      test("from the current revision delivers only new events", async () => {
        await store.create("/k/a", makeObject("a"));
        const w = collect(store, "/k/", store.revision());
        await settle();
        expect(w.events).toHaveLength(0);
        const b = await store.create("/k/b", makeObject("b"));
        expect((await w.next(1)).map((e) => e.key)).toEqual([b.key]);
        w.stop();
      });

      test("does not deliver after unsubscribe or abort", async () => {
        const ac = new AbortController();
        const byAbort = collect(store, "/k/", store.revision(), ac.signal);
        const byStop = collect(store, "/k/", store.revision());
        expect(store.stats().watchers).toBe(2);
        await store.create("/k/a", makeObject("a"));
        await byAbort.next(1);
        await byStop.next(1);
        ac.abort();
        byStop.stop();
        expect(store.stats().watchers).toBe(0);
        await store.create("/k/b", makeObject("b"));
        await settle();
        expect(byAbort.events).toHaveLength(1);
        expect(byStop.events).toHaveLength(1);
      });

      test("after compaction, older revisions fail with Compacted and the compaction point still works", async () => {
        const r1 = await store.create("/k/a", makeObject("a"));
        const r2 = await store.create("/k/b", makeObject("b"));
        const r3 = await store.create("/k/c", makeObject("c"));
        await store.compact(r2.revision);
        expect(store.stats().compactRevision).toBeGreaterThanOrEqual(r2.revision);
        expect(await errorCode(() => store.watch("/k/", { fromRevision: r1.revision }, () => {}))).toBe("Compacted");
        const w = collect(store, "/k/", r2.revision);
        expect((await w.next(1)).map((e) => e.revision)).toEqual([r3.revision]);
        w.stop();
      });

      test("several writes committed together reach watchers in revision order", async () => {
        const w = collect(store, "/k/", store.revision());
        const created = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(`/k/${String(i).padStart(2, "0")}`, makeObject(String(i)))));
        const events = await w.next(20);
        w.stop();
        expect(events.map((e) => e.revision)).toEqual(created.map((c) => c.revision).sort((a, b) => a - b));
      });
    });

    test("stats count keys and watchers", async () => {
      await store.create("/k/a", makeObject("a"));
      await store.create("/k/b", makeObject("b"));
      await store.delete("/k/a");
      const stop = store.watch("/k/", { fromRevision: store.revision() }, () => {});
      const s = store.stats();
      expect(s).toMatchObject({ revision: store.revision(), keys: 1, watchers: 1 });
      expect(s.sizeBytes).toBeGreaterThan(0);
      stop();
    });

    test("a closed store refuses work with Closed, after committing what was queued", async () => {
      const pending = store.create("/k/a", makeObject("a"));
      await store.close();
      expect((await pending).key).toBe("/k/a");
      expect(await errorCode(store.create("/k/b", makeObject("b")))).toBe("Closed");
      expect(await errorCode(store.get("/k/a"))).toBe("Closed");
    });
  });
}

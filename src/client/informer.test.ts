import { expect, test } from "bun:test";
import type { KubeObject } from "../model/object.ts";
import { errors } from "../model/errors.ts";
import { Informer, type InformerHandler } from "./informer.ts";
import type { ListWatch, ListWatchEvent, ListedObjects } from "./list-watch.ts";

const pod = (name: string, rv: string, meta: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", resourceVersion: rv, ...meta }, spec: { containers: [] } }) as KubeObject;

/**
 * A source the test drives: each list answers the next of `lists` (an Error is thrown), and
 * each watch is recorded with the version it started from, for the test to feed, end or fail.
 */
function scriptedSource(lists: (ListedObjects | Error)[]) {
  const watches: { from: string; emit: (e: ListWatchEvent) => void; end: () => void; fail: (e: unknown) => void }[] = [];
  let listed = 0;
  const source: ListWatch = {
    description: "pods (test)",
    async list() {
      const next = lists[Math.min(listed++, lists.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
    watch(from, signal, onEvent) {
      return new Promise((resolve, reject) => {
        watches.push({ from, emit: onEvent, end: resolve, fail: reject });
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    },
  };
  return { source, watches, lists: () => listed };
}

/** Records what handlers hear, as `+name`, `~name@oldRv`, `-name` and `synced`. */
function recorder(): InformerHandler & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    onChange: (o, old) => seen.push(old ? `~${o.metadata.name}@${old.metadata.resourceVersion}` : `+${o.metadata.name}`),
    onDelete: (o) => seen.push(`-${o.metadata.name}`),
    onSynced: () => seen.push("synced"),
  };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

test("lists, then watches from the list's version, and watches again from the last version seen", async () => {
  const { source, watches } = scriptedSource([{ items: [pod("a", "5"), pod("b", "6")], resourceVersion: "10" }]);
  const inf = new Informer(source);
  const h = recorder();
  inf.addHandler(h);
  const stop = new AbortController();
  await inf.start(stop.signal);
  expect(inf.hasSynced).toBe(true);
  expect(h.seen).toEqual(["+a", "+b", "synced"]);
  await settle();
  expect(watches.map((w) => w.from)).toEqual(["10"]);

  watches[0]!.emit({ type: "MODIFIED", object: pod("a", "11") });
  watches[0]!.emit({ type: "ADDED", object: pod("c", "12") });
  watches[0]!.emit({ type: "DELETED", object: pod("b", "13") });
  watches[0]!.emit({ type: "BOOKMARK", object: { metadata: { resourceVersion: "20" } } as KubeObject });
  expect(h.seen.slice(3)).toEqual(["~a@5", "+c", "-b"]);
  expect([...inf.cache.keys()]).toEqual(["default/a", "default/c"]);
  expect(inf.list("default").map((p) => p.metadata.name)).toEqual(["a", "c"]);

  watches[0]!.end(); // a server-side timeout
  await settle();
  expect(watches.map((w) => w.from)).toEqual(["10", "20"]);
  stop.abort();
});

test("410 Gone: relists and tells handlers what changed in between — updates, deletes, adds, nothing for the unchanged", async () => {
  const { source, watches } = scriptedSource([
    { items: [pod("same", "1"), pod("changed", "2"), pod("vanished", "3")], resourceVersion: "10" },
    { items: [pod("same", "1"), pod("changed", "40"), pod("new", "41")], resourceVersion: "50" },
  ]);
  const inf = new Informer(source);
  const h = recorder();
  inf.addHandler(h);
  const stop = new AbortController();
  await inf.start(stop.signal);
  await settle();
  watches[0]!.emit({ type: "MODIFIED", object: pod("same", "1") }); // a repeat of what is cached: not told again
  watches[0]!.fail(errors.gone("too old resource version: 10 (30)"));
  await settle();
  expect(h.seen).toEqual(["+same", "+changed", "+vanished", "synced", "~changed@2", "+new", "-vanished", "synced"]);
  expect(watches.map((w) => w.from)).toEqual(["10", "50"]);
  stop.abort();
});

test("a handler added late hears every cached object and the sync first, then what comes after", async () => {
  const { source, watches } = scriptedSource([{ items: [pod("a", "1"), pod("b", "2")], resourceVersion: "10" }]);
  const inf = new Informer(source);
  const stop = new AbortController();
  await inf.start(stop.signal);
  await settle();
  const late = recorder();
  inf.addHandler(late);
  expect(late.seen).toEqual(["+a", "+b", "synced"]);
  watches[0]!.emit({ type: "ADDED", object: pod("c", "11") });
  expect(late.seen.at(-1)).toBe("+c");
  stop.abort();
});

test("bad ownerReferences and a throwing handler or index cost only that object, never the other handlers or the watch", async () => {
  const owner = { uid: "o1", kind: "ReplicaSet", name: "rs", apiVersion: "apps/v1" };
  const { source, watches } = scriptedSource([{
    items: [
      pod("a", "1", { ownerReferences: [owner] }),
      pod("refs-string", "2", { ownerReferences: "garbage" }),
      pod("refs-number", "3", { ownerReferences: 5 }),
      pod("refs-nulls", "4", { ownerReferences: [null, { uid: 7 }] }),
      pod("labels-string", "5", { labels: "garbage", ownerReferences: [owner] }),
      { apiVersion: "v1", kind: "Pod", metadata: { namespace: "default" } } as KubeObject, // no name: no key
    ],
    resourceVersion: "10",
  }]);
  const errorsSeen: unknown[] = [];
  const inf = new Informer(source, { onError: (e) => errorsSeen.push(e) });
  const first: string[] = [];
  const second: string[] = [];
  inf.addHandler({ onChange: (p) => { if (p.metadata.name === "refs-number") throw new Error("cannot"); first.push(p.metadata.name!); } });
  inf.addHandler({ onChange: (p) => second.push(p.metadata.name!), onDelete: (p) => second.push(`-${p.metadata.name}`) });
  inf.addIndex("by-app", (p) => [p.metadata.labels!.app!.toUpperCase()]);
  const stop = new AbortController();
  await inf.start(stop.signal);
  await settle();

  expect(inf.ownedBy("o1").map((p) => p.metadata.name)).toEqual(["a", "labels-string"]);
  expect(first).toEqual(["a", "refs-string", "refs-nulls", "labels-string"]);
  expect(second).toEqual(["a", "refs-string", "refs-number", "refs-nulls", "labels-string"]);
  expect(inf.cache.size).toBe(5);
  // Five index failures (no labels.app), one handler failure, one object without a name.
  expect(errorsSeen).toHaveLength(7);

  watches[0]!.emit({ type: "ADDED", object: pod("b", "11", { labels: { app: "x" } }) });
  watches[0]!.emit({ type: "DELETED", object: pod("refs-number", "12", { ownerReferences: 5 }) });
  expect(second.slice(-2)).toEqual(["b", "-refs-number"]);
  expect(inf.byIndex("by-app", "X").map((p) => p.metadata.name)).toEqual(["b"]);
  stop.abort();
});

test("a failing source is retried with exponential back-off, reset by a success; start waits for the first list", async () => {
  const down = new Error("cannot reach the server");
  const { source, watches, lists } = scriptedSource([down, down, down, { items: [pod("a", "1")], resourceVersion: "10" }]);
  const waits: number[] = [];
  const reported: unknown[] = [];
  const inf = new Informer(source, {
    baseBackoffMs: 100,
    maxBackoffMs: 300,
    sleep: async (ms) => void waits.push(ms),
    onError: (e) => reported.push(e),
  });
  const stop = new AbortController();
  await inf.start(stop.signal);
  expect(lists()).toBe(4);
  expect(waits).toEqual([100, 200, 300]);
  expect(reported).toEqual([down, down, down]);

  await settle();
  watches[0]!.emit({ type: "ADDED", object: pod("b", "11") });
  watches[0]!.fail(new Error("connection reset"));
  await settle();
  expect(waits).toEqual([100, 200, 300, 100]); // back to the base after the success
  expect(watches.map((w) => w.from)).toEqual(["10", "11"]); // no relist for a failed watch
  stop.abort();
});

test("Gone straight after a list backs off instead of relisting in a tight loop", async () => {
  const { source, watches, lists } = scriptedSource([{ items: [], resourceVersion: "10" }]);
  const waits: number[] = [];
  const inf = new Informer(source, { baseBackoffMs: 100, sleep: async (ms) => void waits.push(ms) });
  const stop = new AbortController();
  await inf.start(stop.signal);
  for (let i = 0; i < 3; i++) {
    await settle();
    watches.at(-1)!.fail(errors.gone("gone"));
  }
  await settle();
  expect(lists()).toBe(4);
  expect(waits).toEqual([100, 200, 400]);
  stop.abort();
});

test("start resolves when stopped before the first list succeeds", async () => {
  const { source } = scriptedSource([new Error("down")]);
  const stop = new AbortController();
  const inf = new Informer(source, { sleep: (_ms, signal) => new Promise((r) => signal.addEventListener("abort", () => r(), { once: true })) });
  const started = inf.start(stop.signal);
  await settle();
  stop.abort();
  await started;
  expect(inf.hasSynced).toBe(false);
});

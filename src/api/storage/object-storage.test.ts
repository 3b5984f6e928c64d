import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { openSqliteStore } from "../../store/sqlite.ts";
import type { Store } from "../../store/types.ts";
import { ResourceRegistry } from "../resources/registry.ts";
import { ObjectStorage, planDeletion } from "./object-storage.ts";
import { StatusError } from "../../model/errors.ts";

const registry = new ResourceRegistry();
const configmaps = registry.find("", "v1", "configmaps")!;
const pods = registry.find("", "v1", "pods")!;

let store: Store;
beforeEach(() => {
  store = openSqliteStore({ path: ":memory:", durable: false });
});
afterEach(async () => {
  await store.close();
});

/** A name generator that hands out the given names in order. */
function names(...list: string[]) {
  let i = 0;
  const used: string[] = [];
  return {
    used,
    generate: (base: string) => {
      const n = base + list[Math.min(i++, list.length - 1)]!;
      used.push(n);
      return n;
    },
  };
}

const generated = (base: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: base }, data: {} });

describe("generateName", () => {
  test("a generated name that is taken is generated again (RetryGenerateName)", async () => {
    const gen = names("aaaaa", "aaaaa", "aaaaa", "bbbbb");
    const storage = new ObjectStorage({ store, admission: [], generateName: gen.generate });
    expect((await storage.create(configmaps, "default", generated("cm-"))).metadata.name).toBe("cm-aaaaa");
    expect((await storage.create(configmaps, "default", generated("cm-"))).metadata.name).toBe("cm-bbbbb");
    expect(gen.used).toEqual(["cm-aaaaa", "cm-aaaaa", "cm-aaaaa", "cm-bbbbb"]);
  });

  test("after 8 taken names the create fails with AlreadyExists", async () => {
    const gen = names("aaaaa");
    const storage = new ObjectStorage({ store, admission: [], generateName: gen.generate });
    await storage.create(configmaps, "default", generated("cm-"));
    const err = await storage.create(configmaps, "default", generated("cm-")).catch((e) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).reason).toBe("AlreadyExists");
    expect(gen.used).toHaveLength(1 + 8);
  });

  test("a name given by the client is never replaced", async () => {
    const gen = names("aaaaa");
    const storage = new ObjectStorage({ store, admission: [], generateName: gen.generate });
    const mine = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "mine", generateName: "cm-" } };
    await storage.create(configmaps, "default", mine);
    expect(((await storage.create(configmaps, "default", mine).catch((e) => e)) as StatusError).reason).toBe("AlreadyExists");
    expect(gen.used).toEqual([]);
  });
});

describe("paginated lists", () => {
  test("every page is served at the first page's resourceVersion", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    for (const n of ["a", "b", "c", "d"]) await storage.create(configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: n }, data: { v: "1" } });
    const p1 = await storage.list(configmaps, "default", { limit: 2 });
    await storage.update(configmaps, "default", "c", (cm) => ({ ...cm, data: { v: "2" } }));
    await storage.delete(configmaps, "default", "d");
    await storage.create(configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "e" } });
    const p2 = await storage.list(configmaps, "default", { limit: 2, continueToken: p1.metadata.continue });
    expect(p2.metadata.resourceVersion).toBe(p1.metadata.resourceVersion);
    expect(p2.items.map((i) => [i.metadata.name, i.data?.v])).toEqual([["c", "1"], ["d", "1"]]);
    expect(p2.metadata.continue).toBeUndefined();
  });
});

test("a grace period beyond any date stops at year 9999", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { nodeName: "n1" }, status: { phase: "Running" } };
  const plan = planDeletion(pods, pod, { gracePeriodSeconds: 9e18 }, new Date());
  expect(plan.object?.metadata.deletionTimestamp).toBe("9999-12-31T23:59:59Z");
});

const cm = (name: string, data: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

describe("watch", () => {
  test("delivers the changes after a revision to one namespace's watcher, typed, history first", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    await storage.create(configmaps, "ns1", cm("before"));
    const from = storage.revision();
    await storage.create(configmaps, "ns1", cm("a"));
    await storage.create(configmaps, "ns2", cm("elsewhere"));
    const events: [string, string, string | undefined][] = [];
    const stop = storage.watch(configmaps, "ns1", { fromRevision: from }, (ev) =>
      events.push([ev.type, ev.object.metadata.name!, ev.prevObject?.data?.v]));
    expect(stop).toBeInstanceOf(Function);
    await storage.update(configmaps, "ns1", "a", (o) => ({ ...o, data: { v: "2" } }));
    await storage.update(configmaps, "ns1", "a", (o) => ({ ...o, data: { v: "3" } }));
    await storage.delete(configmaps, "ns1", "a");
    expect(events).toEqual([["ADDED", "a", undefined], ["MODIFIED", "a", undefined], ["MODIFIED", "a", "2"], ["DELETED", "a", "3"]]);
    (stop as () => void)();
    await storage.create(configmaps, "ns1", cm("after-stop"));
    expect(events).toHaveLength(4);
  });

  test("a live change is delivered before its writer's promise resolves; all namespaces when none is given", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    const seen: string[] = [];
    const stop = storage.watch(configmaps, undefined, { fromRevision: storage.revision() }, (ev) => seen.push(`${ev.object.metadata.namespace}/${ev.object.metadata.name}@${ev.revision}`));
    const a = await storage.create(configmaps, "ns1", cm("a"));
    expect(seen).toEqual([`ns1/a@${a.metadata.resourceVersion}`]);
    const b = await storage.create(configmaps, "ns2", cm("b"));
    expect(seen).toEqual([`ns1/a@${a.metadata.resourceVersion}`, `ns2/b@${b.metadata.resourceVersion}`]);
    (stop as () => void)();
  });

  test("the signal ends the watch", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    const ac = new AbortController();
    let n = 0;
    storage.watch(configmaps, "ns1", { fromRevision: storage.revision(), signal: ac.signal }, () => n++);
    await storage.create(configmaps, "ns1", cm("a"));
    ac.abort();
    await storage.create(configmaps, "ns1", cm("b"));
    expect(n).toBe(1);
  });

  test("a revision older than the history is a 410 Expired value, not a throw", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    const first = await storage.create(configmaps, "ns1", cm("a"));
    await storage.update(configmaps, "ns1", "a", (o) => ({ ...o, data: { v: "2" } }));
    await store.compact(storage.revision());
    const old = Number(first.metadata.resourceVersion) - 1;
    const res = storage.watch(configmaps, "ns1", { fromRevision: old }, () => {});
    expect(res).toBeInstanceOf(StatusError);
    const e = res as StatusError;
    expect([e.code, e.reason, e.message]).toEqual([410, "Expired", `too old resource version: ${old} (${store.stats().compactRevision})`]);
  });
});

describe("list at a revision", () => {
  test("serves the state as it was, and 410 once compacted", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    await storage.create(configmaps, "ns1", cm("a", { v: "1" }));
    const at = storage.revision();
    await storage.update(configmaps, "ns1", "a", (o) => ({ ...o, data: { v: "2" } }));
    await storage.create(configmaps, "ns1", cm("b"));
    const then = await storage.list(configmaps, "ns1", { exactRevision: at });
    expect(then.metadata.resourceVersion).toBe(String(at));
    expect(then.items.map((i) => [i.metadata.name, i.data?.v])).toEqual([["a", "1"]]);
    const now = await storage.list(configmaps, "ns1");
    expect(now.metadata.resourceVersion).toBe(String(storage.revision()));
    await store.compact(storage.revision());
    const e = await storage.list(configmaps, "ns1", { exactRevision: at }).catch((x) => x);
    expect([e.code, e.reason]).toEqual([410, "Expired"]);
  });
});

describe("kind hooks of the write path", () => {
  test("a kind's DeletionStrategy holds and marks its objects (the write path asks, it does not know the kind)", async () => {
    const held = { ...configmaps, deletion: { held: (o: any) => o.data?.hold === "yes", markDeleting: (o: any) => void (o.data = { ...o.data, marked: "yes" }) } };
    const storage = new ObjectStorage({ store, admission: [] });
    await storage.create(held, "ns1", cm("x", { hold: "yes" }));
    const res = await storage.delete(held, "ns1", "x");
    expect(res.deleted).toBe(false);
    expect(res.object.metadata.deletionTimestamp).toBeString();
    expect(res.object.data).toEqual({ hold: "yes", marked: "yes" });
    // Still held: an update does not finish it.
    await storage.update(held, "ns1", "x", (o) => ({ ...o, metadata: { ...o.metadata, labels: { a: "b" } } }));
    expect((await storage.get(held, "ns1", "x")).metadata.labels).toEqual({ a: "b" });
    // Let go: the update that releases it removes it.
    await storage.update(held, "ns1", "x", (o) => ({ ...o, data: { hold: "no" } }));
    expect(await storage.tryGet(held, "ns1", "x")).toBeUndefined();
  });

  test("an object given a grace period waits for a delete with grace 0, finalizers or not", async () => {
    const graceful = { ...configmaps, deletion: { gracePeriod: (_o: any, requested: number | undefined) => requested ?? 20 } };
    const storage = new ObjectStorage({ store, admission: [] });
    await storage.create(graceful, "ns1", { ...cm("x"), metadata: { name: "x", finalizers: ["example.com/f"] } });
    const marked = await storage.delete(graceful, "ns1", "x");
    expect([marked.deleted, marked.object.metadata.deletionGracePeriodSeconds]).toEqual([false, 20]);
    // The last finalizer goes; the grace period still holds it (ShouldDeleteDuringUpdate).
    await storage.update(graceful, "ns1", "x", (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
    expect(await storage.tryGet(graceful, "ns1", "x")).toBeDefined();
    // A later delete may shorten the grace, never lengthen it.
    expect((await storage.delete(graceful, "ns1", "x", { gracePeriodSeconds: 50 })).object.metadata.deletionGracePeriodSeconds).toBe(20);
    expect((await storage.delete(graceful, "ns1", "x", { gracePeriodSeconds: 0 })).deleted).toBe(true);
    // The same object without the strategy goes at once.
    await storage.create(configmaps, "ns1", cm("plain"));
    expect((await storage.delete(configmaps, "ns1", "plain")).deleted).toBe(true);
  });

  test("keepsStatusOnCreate decides whether a create keeps the status it is sent", async () => {
    const nodes = registry.find("", "v1", "nodes")!;
    const storage = new ObjectStorage({ store, admission: [] });
    const node = (name: string) => ({ apiVersion: "v1", kind: "Node", metadata: { name }, status: { addresses: [{ type: "InternalIP", address: "10.0.0.5" }] } });
    expect((await storage.create(nodes, undefined, node("kept"))).status?.addresses).toEqual([{ type: "InternalIP", address: "10.0.0.5" }]);
    const dropping = { ...nodes, keepsStatusOnCreate: false };
    expect((await storage.create(dropping, undefined, node("dropped"))).status?.addresses).toBeUndefined();
  });

  test("admission plugins hear of each stored create and update (committed), not of refused or dry-run writes", async () => {
    const heard: string[] = [];
    const plugin = {
      name: "recorder",
      admit: () => {},
      release: (r: any) => void heard.push(`release ${r.operation} ${r.object.data?.v}`),
      committed: (r: any) => void heard.push(`committed ${r.operation} ${r.old?.data?.v ?? "-"}→${r.object.data?.v}`),
    };
    const storage = new ObjectStorage({ store, admission: [plugin] });
    await storage.create(configmaps, "ns1", cm("a", { v: "1" }));
    await storage.update(configmaps, "ns1", "a", (o) => ({ ...o, data: { v: "2" } }));
    await storage.update(configmaps, "ns1", "a", (o) => ({ ...o, data: { v: "3" } }), { dryRun: true });
    const stale = await storage.update(configmaps, "ns1", "a", (o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: "1" }, data: { v: "4" } })).catch((e) => e);
    expect(stale.code).toBe(409);
    expect(heard).toEqual(["committed CREATE -→1", "committed UPDATE 1→2", "release UPDATE 3"]);
  });
});

test("a pod stored with a grace that is not a number of seconds is given the default grace (30 s), never its wrong value", async () => {
  const storage = new ObjectStorage({ store, admission: [], now: () => new Date("2026-01-01T00:00:00Z") });
  // Written past validation, as an object from an older server would be.
  await store.create("/pods/ns1/p", { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns1", uid: "u1" }, spec: { nodeName: "n1", terminationGracePeriodSeconds: "60", containers: [] }, status: { phase: "Running" } });
  const res = await storage.delete(pods, "ns1", "p");
  expect(res.deleted).toBe(false);
  expect(res.object.metadata.deletionGracePeriodSeconds).toBe(30);
  expect(res.object.metadata.deletionTimestamp).toBe("2026-01-01T00:00:30Z");
});

describe("the stored text goes with what is read and written", () => {
  const cm = (name: string, data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

  test("create, update and get carry the store's text, and parse it only when the object is read", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    const parse = spyOn(JSON, "parse");
    try {
      const created = await storage.createServed(configmaps, "default", cm("a", { k: "1" }));
      expect(parse).not.toHaveBeenCalled();
      // The update parses what it changes (the current object), not what it wrote.
      const updated = await storage.update(configmaps, "default", "a", (cur) => ({ ...cur, data: { k: "2" } }));
      expect(parse).toHaveBeenCalledTimes(1);
      const read = await storage.getServed(configmaps, "default", "a");
      expect(parse).toHaveBeenCalledTimes(1);
      const stored = (await store.get("/configmaps/default/a"))!;
      expect(read.json).toBe(stored.json!);
      expect(updated.json).toBe(stored.json!);
      expect(updated.created).toBe(false);
      expect(JSON.parse(created.json!).data).toEqual({ k: "1" });
      // Read, the object is what the text says.
      expect(read.object).toEqual(JSON.parse(read.json!));
      expect(updated.object.data).toEqual({ k: "2" });
      expect(updated.object.metadata.resourceVersion).toBe(String(stored.revision));
    } finally {
      parse.mockRestore();
    }
  });

  test("an update that changes nothing answers with the stored text", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    await storage.create(configmaps, "default", cm("b", { k: "1" }));
    const before = (await store.get("/configmaps/default/b"))!;
    const same = await storage.update(configmaps, "default", "b", (cur) => cur);
    expect(same.json).toBe(before.json!);
    expect(store.revision()).toBe(before.revision);
  });

  test("a dry run has no stored text: its object is the answer", async () => {
    const storage = new ObjectStorage({ store, admission: [] });
    const dry = await storage.createServed(configmaps, "default", cm("c", {}), { dryRun: true });
    expect(dry.json).toBeUndefined();
    expect(dry.object.metadata.name).toBe("c");
    expect(await store.get("/configmaps/default/c")).toBeUndefined();
  });
});

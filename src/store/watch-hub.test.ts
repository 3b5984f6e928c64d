import { describe, expect, test } from "bun:test";
import { StoreError, type WatchEvent } from "./types.ts";
import { WatchHub, type HistoryEvent } from "./watch-hub.ts";

const event = (revision: number, key = `/k/${revision}`): HistoryEvent => ({
  type: "ADDED",
  key,
  revision,
  value: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: String(revision), resourceVersion: String(revision) } }),
});
const tick = () => new Promise<void>((r) => queueMicrotask(r));

function hubWith(revisions: number[], historyLimit = 10, startRevision = 0) {
  const hub = new WatchHub({ historyLimit, startRevision });
  hub.publish(revisions.map((r) => event(r)));
  return hub;
}

function record(hub: WatchHub, prefix: string, from: number) {
  const got: number[] = [];
  const stop = hub.watch(prefix, from, (e) => got.push(e.revision));
  return { got, stop };
}

describe("WatchHub", () => {
  test.each([
    // [history limit, published revisions, compact to, watch from, horizon, delivered or "Compacted"]
    [10, [1, 2, 3], undefined, 0, 0, [1, 2, 3]],
    [10, [1, 2, 3], undefined, 2, 0, [3]],
    [10, [1, 2, 3], undefined, 3, 0, []],
    [2, [1, 2, 3], undefined, 1, 1, [2, 3]],
    [2, [1, 2, 3], undefined, 0, 1, "Compacted"],
    [10, [1, 2, 3], 2, 1, 2, "Compacted"],
    [10, [1, 2, 3], 2, 2, 2, [3]],
    [10, [1, 2, 3], 99, 3, 3, []], // compaction never passes the current revision
    [0, [1, 2, 3], undefined, 3, 3, []],
    [0, [1, 2, 3], undefined, 2, 3, "Compacted"],
  ] as const)("limit %d, events %j, compact %p: from %d (horizon %d) gets %j", async (limit, revs, compactTo, from, horizon, expected) => {
    const hub = hubWith([...revs], limit);
    if (compactTo !== undefined) hub.compact(compactTo, revs[revs.length - 1]!);
    expect(hub.horizon).toBe(horizon);
    if (expected === "Compacted") {
      expect(() => hub.watch("/k/", from, () => {})).toThrow(StoreError);
      return;
    }
    const w = record(hub, "/k/", from);
    await tick();
    expect(w.got).toEqual([...expected]);
  });

  test("history is delivered after watch returns, before live events published meanwhile", async () => {
    const hub = hubWith([1, 2]);
    const w = record(hub, "/k/", 0);
    expect(w.got).toEqual([]);
    hub.publish([event(3)]);
    await tick();
    expect(w.got).toEqual([1, 2, 3]);
    hub.publish([event(4)]);
    expect(w.got).toEqual([1, 2, 3, 4]); // live events are delivered synchronously
  });

  test("only keys under the prefix; an unsubscribe during replay stops it", async () => {
    const hub = new WatchHub({ historyLimit: 10, startRevision: 0 });
    hub.publish([event(1, "/a/x"), event(2, "/b/x"), event(3, "/a/y")]);
    const a = record(hub, "/a/", 0);
    const got: number[] = [];
    const stop = hub.watch("/", 0, (e) => {
      got.push(e.revision);
      stop();
    });
    await tick();
    expect(a.got).toEqual([1, 3]);
    expect(got).toEqual([1]);
    expect(hub.watcherCount).toBe(1);
  });

  test("a throwing listener is reported and does not stop the others", () => {
    const errors: unknown[] = [];
    const hub = new WatchHub({ historyLimit: 10, startRevision: 0, onListenerError: (e) => errors.push(e) });
    const seen: WatchEvent[] = [];
    hub.watch("/", 0, () => {
      throw new Error("boom");
    });
    hub.watch("/", 0, (e) => seen.push(e));
    return tick().then(() => {
      hub.publish([event(1)]);
      expect(seen.map((e) => e.revision)).toEqual([1]);
      expect(errors).toHaveLength(1);
    });
  });

  test("an aborted signal unsubscribes", async () => {
    const hub = new WatchHub({ historyLimit: 10, startRevision: 0 });
    const ac = new AbortController();
    const got: number[] = [];
    hub.watch("/", 0, (e) => got.push(e.revision), { signal: ac.signal });
    expect(hub.watcherCount).toBe(1);
    ac.abort();
    expect(hub.watcherCount).toBe(0);
    hub.publish([event(1)]);
    expect(got).toEqual([]);
  });

  describe("size bound", () => {
    const text = (n: number, fill: string) => `"${fill.repeat(n - 2)}"`; // JSON of n characters
    /** Revisions 1..n all rewrite one key; each event's prev is its predecessor's value string. */
    function rewrites(hub: WatchHub, n: number, size: number) {
      let prev: string | undefined;
      for (let r = 1; r <= n; r++) {
        const value = text(size, String.fromCharCode(97 + (r % 26)));
        hub.publish([{ type: prev === undefined ? "ADDED" : "MODIFIED", key: "/k/one", revision: r, value, prev, prevRevision: prev === undefined ? undefined : r - 1 }]);
        prev = value;
      }
    }

    test("the oldest events go once the history holds more than historyBytes", async () => {
      const hub = new WatchHub({ historyLimit: 1000, historyBytes: 10_000, startRevision: 0 });
      for (let r = 1; r <= 100; r++) hub.publish([{ type: "ADDED", key: `/k/${r}`, revision: r, value: text(1000, "x") }]);
      expect(hub.retained).toEqual({ events: 10, bytes: 10_000 });
      expect(hub.horizon).toBe(90);
      expect(() => hub.watch("/k/", 89, () => {})).toThrow(StoreError);
      const w = record(hub, "/k/", 95);
      await tick();
      expect(w.got).toEqual([96, 97, 98, 99, 100]);
    });

    test("a prev that is the key's previous retained value is counted once, and stays counted when that event goes", () => {
      const hub = new WatchHub({ historyLimit: 1000, historyBytes: 10_000, startRevision: 0 });
      rewrites(hub, 5, 1000);
      // Counted twice, 5 updates would hold 9,000; each string once, 5,000.
      expect(hub.retained).toEqual({ events: 5, bytes: 5000 });
      const many = new WatchHub({ historyLimit: 1000, historyBytes: 10_000, startRevision: 0 });
      rewrites(many, 50, 1000);
      // Nine events' values plus the oldest one's prev, which outlives the event that held it.
      expect(many.retained).toEqual({ events: 9, bytes: 10_000 });
      expect(many.horizon).toBe(41);
      expect(many.valuesAt("/k/", 41).get("/k/one")).toEqual({ revision: 41, value: text(1000, String.fromCharCode(97 + (41 % 26))), span: -1 });
    });

    test("a prev that no retained event holds is counted with its event", () => {
      const hub = new WatchHub({ historyLimit: 1000, historyBytes: 10_000, startRevision: 0 });
      hub.publish([{ type: "MODIFIED", key: "/k/a", revision: 1, value: text(1000, "n"), prev: text(3000, "o"), prevRevision: 0 }]);
      expect(hub.retained).toEqual({ events: 1, bytes: 4000 });
    });

    test("the newest event stays even when it alone is over the bound", () => {
      const hub = new WatchHub({ historyLimit: 1000, historyBytes: 1000, startRevision: 0 });
      hub.publish([event(1), { type: "ADDED", key: "/k/big", revision: 2, value: text(5000, "b") }]);
      expect(hub.retained).toEqual({ events: 1, bytes: 5000 });
      expect(hub.horizon).toBe(1);
    });

    test("compaction and the count bound give the bytes back", () => {
      const hub = new WatchHub({ historyLimit: 3, historyBytes: 1_000_000, startRevision: 0 });
      rewrites(hub, 10, 100);
      expect(hub.retained).toEqual({ events: 3, bytes: 400 });
      hub.compact(10, 10);
      expect(hub.retained).toEqual({ events: 0, bytes: 0 });
    });
  });
});

test("events carry the stored text of their object, live and replayed, for watches to send as it is", async () => {
  const hub = hubWith([1]);
  const seen: WatchEvent[] = [];
  hub.watch("/k/", 0, (e) => seen.push(e));
  await tick();
  const live = event(2);
  hub.publish([live]);
  expect(seen.map((e) => e.revision)).toEqual([1, 2]);
  expect(seen[1]!.json).toBe(live.value);
  for (const e of seen) expect(JSON.stringify(e.object)).toBe(e.json!);
});

test("an event's objects are parsed when first read, once for every listener: a listener of the text parses nothing", async () => {
  const hub = new WatchHub({ historyLimit: 10, startRevision: 0 });
  const managedFields = [{ manager: "kubectl", operation: "Apply", fieldsV1: { "f:data": {} } }];
  const cm = (v: string) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", managedFields }, data: { v } });
  const seen: WatchEvent[] = [];
  hub.watch("/k/", 0, (e) => seen.push(e));
  hub.watch("/k/", 0, (e) => seen.push(e));
  await tick();
  const parse = JSON.parse;
  const parsed: string[] = [];
  JSON.parse = (text: string) => (parsed.push(text), parse(text));
  try {
    hub.publish([{ type: "MODIFIED", key: "/k/c", revision: 2, value: cm("2"), prev: cm("1"), prevRevision: 1 }]);
    expect(seen[0]).toBe(seen[1]!); // one event for both listeners
    expect(seen[0]!.json).toBe(cm("2"));
    expect(parsed).toEqual([]);
    expect((seen[0]!.slimObject as any).data).toEqual({ v: "2" });
    expect(seen[0]!.slimObject.metadata).toEqual({ name: "c" });
    expect((seen[1]!.prevSlimObject as any).data).toEqual({ v: "1" });
    expect(parsed.some((t) => t.includes("managedFields"))).toBe(false); // parsed from the text without them
    expect(seen[0]!.object.metadata.managedFields).toEqual(managedFields);
    expect(seen[1]!.object).toBe(seen[0]!.object);
    expect(seen[1]!.prevObject!.metadata.managedFields).toEqual(managedFields);
    expect(parsed.length).toBe(4); // each of the four views once
  } finally {
    JSON.parse = parse;
  }
});

describe("routed watchers", () => {
  const byNode = { of: (obj: any) => (typeof obj?.spec?.nodeName === "string" ? obj.spec.nodeName : "") };
  const pod = (name: string, revision: number, nodeName?: string) =>
    JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, resourceVersion: String(revision) }, spec: nodeName === undefined ? {} : { nodeName } });
  const added = (name: string, revision: number, nodeName?: string): HistoryEvent => ({ type: "ADDED", key: `/pods/${name}`, revision, value: pod(name, revision, nodeName) });
  const moved = (name: string, revision: number, from: string | undefined, to: string | undefined): HistoryEvent => ({
    type: "MODIFIED",
    key: `/pods/${name}`,
    revision,
    value: pod(name, revision, to),
    prev: pod(name, revision - 1, from),
    prevRevision: revision - 1,
  });

  test("an event goes to the watchers of its object's value and of its previous state's, and to every unrouted one", async () => {
    const hub = new WatchHub({ historyLimit: 100, startRevision: 0 });
    const got = new Map<string, number[]>();
    const watch = (who: string, route?: string) => {
      got.set(who, []);
      return hub.watch("/pods/", 0, (e) => got.get(who)!.push(e.revision), { route: route === undefined ? undefined : { index: byNode, value: route } });
    };
    watch("n1", "n1");
    watch("n2", "n2");
    watch("unassigned", "");
    watch("all");
    await tick();
    hub.publish([added("a", 1), moved("a", 2, undefined, "n1"), added("b", 3, "n2"), moved("b", 4, "n2", "n1"), moved("c", 5, "n3", "n3")]);
    expect(got.get("n1")).toEqual([2, 4]); // bound to n1; moved onto n1
    expect(got.get("n2")).toEqual([3, 4]); // added on n2; moved off n2 (its filter sends DELETED)
    expect(got.get("unassigned")).toEqual([1, 2]); // added unassigned; bound (left the selection)
    expect(got.get("all")).toEqual([1, 2, 3, 4, 5]);
  });

  test("routing reads the objects without their managedFields, and a routed listener of the text parses nothing more", async () => {
    const hub = new WatchHub({ historyLimit: 100, startRevision: 0 });
    const withFields = (text: string) => text.replace('"metadata":{', '"metadata":{"managedFields":[{"manager":"m"}],');
    const got: string[] = [];
    hub.watch("/pods/", 0, (e) => got.push(e.json!), { route: { index: byNode, value: "n1" } });
    await tick();
    const parse = JSON.parse;
    const parsed: string[] = [];
    JSON.parse = (text: string) => (parsed.push(text), parse(text));
    try {
      const e = moved("a", 2, "n2", "n1");
      hub.publish([{ ...e, value: withFields(e.value), prev: withFields(e.prev!) }]);
    } finally {
      JSON.parse = parse;
    }
    expect(got.length).toBe(1);
    expect(parsed.length).toBe(2); // the object and its previous state, each once
    expect(parsed.some((t) => t.includes("managedFields"))).toBe(false);
  });

  test("history is not routed: a routed watcher replays every retained event, then gets only its own live", async () => {
    const hub = new WatchHub({ historyLimit: 100, startRevision: 0 });
    hub.publish([added("a", 1, "n1"), added("b", 2, "n2")]);
    const revisions: number[] = [];
    hub.watch("/pods/", 0, (e) => revisions.push(e.revision), { route: { index: byNode, value: "n1" } });
    // Published while the replay is still pending: queued behind it, routed.
    hub.publish([added("c", 3, "n2"), added("d", 4, "n1")]);
    await tick();
    expect(revisions).toEqual([1, 2, 4]);
  });

  test("an event under no routed watcher's prefix is not parsed for them (a Lease, while kubelets watch pods)", async () => {
    const hub = new WatchHub({ historyLimit: 100, startRevision: 0 });
    const got: number[] = [];
    hub.watch("/pods/", 0, (e) => got.push(e.revision), { route: { index: byNode, value: "n1" } });
    await tick();
    // Not JSON: parsing it would throw out of publish.
    expect(() => hub.publish([{ type: "ADDED", key: "/leases/n1", revision: 1, value: "{not json" }])).not.toThrow();
    hub.publish([added("a", 2, "n1")]);
    expect(got).toEqual([2]);
  });

  test("a watcher that stops leaves no route behind, and an index that cannot read an object routes nothing", async () => {
    const hub = new WatchHub({ historyLimit: 100, startRevision: 0 });
    const broken = { of: (): string => { throw new Error("no"); } };
    const got: number[] = [];
    const stop = hub.watch("/pods/", 0, (e) => got.push(e.revision), { route: { index: byNode, value: "n1" } });
    hub.watch("/pods/", 0, (e) => got.push(-e.revision), { route: { index: broken, value: "n1" } });
    await tick();
    expect(hub.watcherCount).toBe(2);
    stop();
    expect(hub.watcherCount).toBe(1);
    hub.publish([added("a", 1, "n1")]);
    expect(got).toEqual([]);
  });
});

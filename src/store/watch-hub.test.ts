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
    hub.watch("/", 0, (e) => got.push(e.revision), ac.signal);
    expect(hub.watcherCount).toBe(1);
    ac.abort();
    expect(hub.watcherCount).toBe(0);
    hub.publish([event(1)]);
    expect(got).toEqual([]);
  });
});

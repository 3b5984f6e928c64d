import { afterEach, expect, test } from "bun:test";
import { errorCode, makeObject } from "./conformance.ts";
import { startCompactor, type CompactionReport } from "./compactor.ts";
import { openSqliteStore, type SqliteStore } from "./sqlite.ts";

const open: SqliteStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** A manual interval: the test fires ticks itself. */
function manualTimer() {
  let fn: (() => void) | undefined;
  return {
    setInterval: (f: () => void) => ((fn = f), 1),
    clearInterval: () => void (fn = undefined),
    async tick() {
      fn?.();
      for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
    },
    get running() {
      return fn !== undefined;
    },
  };
}

test("each tick compacts to the revision of the tick before, as kube-apiserver does", async () => {
  const store = openSqliteStore({ path: ":memory:", durable: false });
  open.push(store);
  const timer = manualTimer();
  const reports: CompactionReport[] = [];
  const stop = startCompactor({ store, intervalMs: 1000, ...timer, onCompact: (r) => reports.push(r) });
  const a = await store.create("/k/a", makeObject("a"));
  await timer.tick(); // remembers a.revision, compacts nothing
  expect(reports).toEqual([]);
  expect(store.stats().compactRevision).toBe(0);
  const b = await store.create("/k/b", makeObject("b"));
  await timer.tick(); // compacts to a.revision, remembers b.revision
  expect(reports.map((r) => r.compactedTo)).toEqual([a.revision]);
  expect(store.stats().compactRevision).toBe(a.revision);
  // Older than the window: 410 material; within it: still resumable.
  expect(await errorCode(() => store.watch("/k/", { fromRevision: a.revision - 1 }, () => {}))).toBe("Compacted");
  store.watch("/k/", { fromRevision: a.revision }, () => {})();
  await timer.tick();
  expect(store.stats().compactRevision).toBe(b.revision);
  stop();
  expect(timer.running).toBe(false);
});

test("an interval of 0 turns it off", () => {
  const timer = manualTimer();
  startCompactor({ store: { revision: () => 1, compact: async () => {} }, intervalMs: 0, ...timer });
  expect(timer.running).toBe(false);
});

test("a failed round is reported and the next tick runs again", async () => {
  const timer = manualTimer();
  const errors: unknown[] = [];
  let calls = 0;
  let rev = 1;
  startCompactor({
    store: { revision: () => rev++, compact: async () => {
      if (calls++ === 0) throw new Error("disk");
    } },
    intervalMs: 1000,
    ...timer,
    onError: (e) => errors.push(e),
  });
  await timer.tick();
  await timer.tick();
  await timer.tick();
  expect(calls).toBe(2);
  expect(errors.map((e) => (e as Error).message)).toEqual(["disk"]);
});

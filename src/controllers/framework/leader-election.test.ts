import { afterEach, beforeEach, expect, test } from "bun:test";
import { openSqliteStore } from "../../store/sqlite.ts";
import type { Store } from "../../store/types.ts";
import { ResourceRegistry } from "../../api/resources/registry.ts";
import { ObjectStorage } from "../../api/storage/object-storage.ts";
import { fakeClock, type FakeClock } from "../../../test/helpers/fake-clock.ts";
import { runLeaderElection } from "./leader-election.ts";

const registry = new ResourceRegistry();
const leaseDef = registry.find("coordination.k8s.io", "v1", "leases")!;
const RETRY = 2000;
const DURATION = 15;

let store: Store;
let storage: ObjectStorage;
let clock: FakeClock;
let stops: AbortController[];
beforeEach(() => {
  store = openSqliteStore({ path: ":memory:", durable: false });
  storage = new ObjectStorage({ store, admission: [] });
  clock = fakeClock();
  stops = [];
  running = [];
});
let running: Promise<void>[];
afterEach(async () => {
  for (const s of stops) s.abort();
  await Promise.all(running); // a leader gives its Lease up before the store closes
  await store.close();
});

/** A candidate on the shared fake clock; `failing` makes its Lease writes fail (a partitioned server). */
function candidate(identity: string) {
  const stop = new AbortController();
  stops.push(stop);
  const c = { leading: undefined as AbortSignal | undefined, terms: 0, failing: false, stop, done: Promise.resolve() };
  const own = new Proxy(storage, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if ((prop === "create" || prop === "update" || prop === "tryGet") && typeof v === "function") {
        return (...args: unknown[]) => (c.failing ? Promise.reject(new Error("server unreachable")) : v.apply(target, args));
      }
      return v;
    },
  });
  c.done = runLeaderElection({
    storage: own, leaseDef, namespace: "kube-system", name: "kcm", identity,
    leaseDurationSeconds: DURATION, retryMs: RETRY, signal: stop.signal,
    now: clock.now, sleep: clock.sleep,
    onStartedLeading(signal) {
      c.leading = signal;
      c.terms++;
    },
  });
  running.push(c.done);
  return c;
}

/** Waits (for real, briefly) until every running candidate has finished its try and sleeps again. */
async function settled(sleepers: number): Promise<void> {
  for (let i = 0; i < 500 && clock.pending() < sleepers; i++) await Bun.sleep(1);
  expect(clock.pending()).toBe(sleepers);
}

async function step(sleepers: number, ms = RETRY): Promise<void> {
  await clock.advance(ms);
  await settled(sleepers);
}

const lease = async () => (await storage.tryGet(leaseDef, "kube-system", "kcm"))?.spec;
const isLeading = (c: { leading?: AbortSignal }) => !!c.leading && !c.leading.aborted;

test("the first candidate takes an absent Lease and renews it every retry period; a second stands by", async () => {
  const a = candidate("a");
  await settled(1);
  expect(isLeading(a)).toBe(true);
  const taken = await lease();
  expect(taken).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: DURATION, leaseTransitions: 0 });
  expect(Date.parse(taken.renewTime)).toBe(clock.nowMs());

  const b = candidate("b");
  await settled(2);
  for (let i = 0; i < 5; i++) await step(2);
  const renewed = await lease();
  expect(renewed.holderIdentity).toBe("a");
  expect(renewed.acquireTime).toBe(taken.acquireTime);
  expect(Date.parse(renewed.renewTime)).toBe(clock.nowMs());
  expect(isLeading(b)).toBe(false);
  expect(a.terms).toBe(1);
});

test("a leader that cannot renew steps down once two thirds of the lease have passed, not before", async () => {
  const a = candidate("a");
  await settled(1);
  a.failing = true;
  // 2/3 of 15 s = 10 s: tries at 2, 4, 6, 8, 10 s keep leading (10 is not past 10).
  for (let i = 0; i < 5; i++) await step(1);
  expect(isLeading(a)).toBe(true);
  await step(1);
  expect(a.leading!.aborted).toBe(true);
  // Reachable again, it takes its own Lease back: a new term.
  a.failing = false;
  await step(1);
  expect(isLeading(a)).toBe(true);
  expect(a.terms).toBe(2);
});

test("hand-over: a standby takes the Lease only once it is stale, counting a transition", async () => {
  const a = candidate("a");
  await settled(1);
  const b = candidate("b");
  await settled(2);
  const lastRenew = clock.nowMs();
  a.failing = true; // a is cut off: its renewals stop
  // The lease is held until renewTime + 15 s; b's tries up to 14 s after it see it held.
  for (let i = 0; i < 7; i++) await step(2);
  expect(clock.nowMs() - lastRenew).toBe(14_000);
  expect(isLeading(b)).toBe(false);
  expect((await lease()).holderIdentity).toBe("a");
  await step(2);
  expect(isLeading(b)).toBe(true);
  expect(await lease()).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
  expect(a.leading!.aborted).toBe(true); // a stepped down on its own before b took over
});

test("stopping the elector aborts the work it runs", async () => {
  const a = candidate("a");
  await settled(1);
  const work = a.leading!;
  a.stop.abort();
  await a.done;
  expect(work.aborted).toBe(true);
});

test("a stopped leader gives the Lease up: a standby takes it at its next try, not a lease later", async () => {
  const a = candidate("a");
  await settled(1);
  const b = candidate("b");
  await settled(2);
  a.stop.abort();
  await a.done;
  expect(await lease()).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 0 });
  await step(1);
  expect(isLeading(b)).toBe(true);
  expect(await lease()).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
});

test("a stopped standby leaves the leader's Lease alone", async () => {
  const a = candidate("a");
  await settled(1);
  const b = candidate("b");
  await settled(2);
  const held = await lease();
  b.stop.abort();
  await b.done;
  expect(await lease()).toEqual(held);
});

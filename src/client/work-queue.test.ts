import { expect, test } from "bun:test";
import { fakeClock } from "../../test/helpers/fake-clock.ts";
import { WorkQueue } from "./work-queue.ts";

/** get() that answers only when a key is ready now; undefined when none is. */
async function ready(q: WorkQueue): Promise<string | undefined> {
  return q.length > 0 ? q.get() : undefined;
}

test("a key added many times while queued is handed out once", async () => {
  const q = new WorkQueue();
  for (const k of ["a", "b", "a", "a", "b", "c"]) q.add(k);
  expect(q.length).toBe(3);
  expect([await q.get(), await q.get(), await q.get()]).toEqual(["a", "b", "c"]);
  expect(q.length).toBe(0);
});

test("a key being processed is not handed out twice; added meanwhile, it comes back once after done", async () => {
  const q = new WorkQueue();
  q.add("a");
  expect(await q.get()).toBe("a");
  q.add("a");
  q.add("a");
  q.add("b");
  expect(q.length).toBe(1); // only b: a is in flight
  expect(await q.get()).toBe("b");
  expect(await ready(q)).toBeUndefined();
  q.done("a");
  expect(await ready(q)).toBe("a");
  q.done("a");
  expect(await ready(q)).toBeUndefined(); // not dirty any more
});

test("failures back off exponentially up to the cap, and forget starts over", async () => {
  const clock = fakeClock();
  const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000, clock });
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    q.requeueRateLimited("a");
    let waited = 0;
    while (q.length === 0) {
      await clock.advance(10);
      waited += 10;
    }
    waits.push(waited);
    expect(await q.get()).toBe("a");
    q.done("a");
  }
  expect(waits).toEqual([100, 200, 400, 800, 1000, 1000]);
  expect(q.retries("a")).toBe(6);
  q.forget("a");
  q.requeueRateLimited("a");
  await clock.advance(99);
  expect(q.length).toBe(0);
  await clock.advance(1);
  expect(q.length).toBe(1);
});

test("back-off is per key: one key's failures do not delay another", async () => {
  const clock = fakeClock();
  const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000, clock });
  for (let i = 0; i < 3; i++) {
    q.requeueRateLimited("bad");
    await clock.advance(10_000);
    expect(await ready(q)).toBe("bad");
    q.done("bad");
  }
  q.requeueRateLimited("bad"); // 4th failure: 800 ms
  q.requeueRateLimited("good"); // 1st: 100 ms
  await clock.advance(100);
  expect(await ready(q)).toBe("good");
  expect(await ready(q)).toBeUndefined();
});

test("addAfter for a key already waiting keeps the earlier time and one timer", async () => {
  const clock = fakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter("a", 5000);
  q.addAfter("a", 1000);
  q.addAfter("a", 3000);
  expect(clock.pending()).toBe(1);
  await clock.advance(1000);
  expect(await ready(q)).toBe("a");
  q.done("a");
  await clock.advance(10_000);
  expect(await ready(q)).toBeUndefined();
});

test("stop wakes waiting workers with undefined, cancels timers and refuses new keys", async () => {
  const clock = fakeClock();
  const ac = new AbortController();
  const q = new WorkQueue({ signal: ac.signal, clock });
  const worker = q.get();
  q.addAfter("later", 1000);
  ac.abort();
  expect(await worker).toBeUndefined();
  expect(clock.pending()).toBe(0);
  q.add("x");
  expect(q.length).toBe(0);
});

test("with a priority, higher keys are handed out first and equals in the order they came", async () => {
  const prio: Record<string, number> = { low1: 0, high1: 100, low2: 0, mid: 10, high2: 100, neg: -5 };
  const q = new WorkQueue({ priority: (k) => prio[k] ?? 0 });
  for (const k of ["low1", "high1", "neg", "low2", "mid", "high2"]) q.add(k);
  expect(q.length).toBe(6);
  const out: string[] = [];
  while (q.length) {
    const k = (await q.get())!;
    out.push(k);
    q.done(k);
  }
  expect(out).toEqual(["high1", "high2", "mid", "low1", "low2", "neg"]);
  // A key added while others wait still goes ahead of lower ones.
  q.add("low1");
  q.add("high1");
  expect(await q.get()).toBe("high1");
});

import { describe, expect, test } from "bun:test";
import { COMBINED_PREFIX, EventCorrelator, type Correlation, type EventInput } from "./event-correlator.ts";

function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let ms = start;
  return { now: () => new Date(ms), advance: (by: number) => (ms += by) };
}

const report = (message: string, extra: Partial<EventInput> = {}): EventInput => ({
  involvedObject: { apiVersion: "v1", kind: "Pod", namespace: "default", name: "web", uid: "u1" },
  type: "Warning",
  reason: "BackOff",
  message,
  source: { component: "kubelet", host: "n1" },
  ...extra,
});

const written = (c: Correlation) => {
  if (c.skip) throw new Error("expected the event to be written");
  return c;
};

describe("EventCorrelator", () => {
  test("an identical repeat updates the first Event: same name, count + 1, first timestamp kept", () => {
    const clock = fakeClock();
    const c = new EventCorrelator({ now: clock.now });
    const first = written(c.correlate(report("Back-off restarting")));
    expect(first.repeat).toBe(false);
    expect(first.event.count).toBe(1);
    clock.advance(5_000);
    const again = written(c.correlate(report("Back-off restarting")));
    expect(again.repeat).toBe(true);
    expect(again.event.name).toBe(first.event.name);
    expect(again.event.count).toBe(2);
    expect(again.event.firstTimestamp).toBe(first.event.firstTimestamp);
    expect(again.event.lastTimestamp).not.toBe(first.event.lastTimestamp);
  });

  test("the 10th distinct message of similar events within 10 minutes is combined, and later ones update that one Event", () => {
    const clock = fakeClock();
    const c = new EventCorrelator({ now: clock.now });
    const names = new Set<string>();
    for (let i = 1; i <= 9; i++) {
      const r = written(c.correlate(report(`failure ${i}`)));
      expect(r.event.message).toBe(`failure ${i}`);
      names.add(r.event.name);
      clock.advance(1000);
    }
    expect(names.size).toBe(9);
    const tenth = written(c.correlate(report("failure 10")));
    expect(tenth.event.message).toBe(`${COMBINED_PREFIX}failure 10`);
    expect(tenth.repeat).toBe(false);
    const eleventh = written(c.correlate(report("failure 11")));
    expect(eleventh.event.message).toBe(`${COMBINED_PREFIX}failure 11`);
    expect(eleventh.event.name).toBe(tenth.event.name);
    expect(eleventh.event.count).toBe(2);
    expect(eleventh.repeat).toBe(true);
  });

  test("similar events spread over more than 10 minutes are not combined", () => {
    const clock = fakeClock();
    const c = new EventCorrelator({ now: clock.now, burst: 1000 });
    for (let i = 1; i <= 9; i++) c.correlate(report(`failure ${i}`));
    clock.advance(10 * 60_000 + 1);
    const r = written(c.correlate(report("failure 10")));
    expect(r.event.message).toBe("failure 10");
  });

  test("a different reason or object is not similar", () => {
    const c = new EventCorrelator({ now: fakeClock().now });
    for (let i = 1; i <= 9; i++) c.correlate(report(`failure ${i}`));
    expect(written(c.correlate(report("failure 10", { reason: "Failed" }))).event.message).toBe("failure 10");
    const other = { ...report("failure 10"), involvedObject: { ...report("").involvedObject, name: "db", uid: "u2" } };
    expect(written(c.correlate(other)).event.message).toBe("failure 10");
  });

  test("spam filter: 25 events per source and object, then one per 5 minutes; the count keeps the dropped ones", () => {
    const clock = fakeClock();
    const c = new EventCorrelator({ now: clock.now });
    const results = Array.from({ length: 40 }, () => c.correlate(report("Back-off restarting")));
    expect(results.filter((r) => !r.skip)).toHaveLength(25);
    expect(results.slice(25).every((r) => r.skip)).toBe(true);
    // Another object from the same source has its own bucket.
    expect(c.correlate({ ...report("x"), involvedObject: { name: "db", uid: "u2", kind: "Pod" } }).skip).toBe(false);
    clock.advance(299_000);
    expect(c.correlate(report("Back-off restarting")).skip).toBe(true);
    clock.advance(1_000);
    const later = written(c.correlate(report("Back-off restarting")));
    expect(later.event.count).toBe(42);
    expect(c.correlate(report("Back-off restarting")).skip).toBe(true);
  });

  test("a report loop of 100,000 distinct messages writes 10 Events about one object: 9 of its own, one combined", () => {
    const c = new EventCorrelator({ now: fakeClock().now });
    const names = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const r = c.correlate(report(`replica ${i} failed`));
      if (!r.skip) names.add(r.event.name);
    }
    expect(names.size).toBe(10);
  });

  test("two events in the same millisecond get different names", () => {
    const c = new EventCorrelator({ now: fakeClock().now });
    const a = written(c.correlate(report("one")));
    const b = written(c.correlate(report("two")));
    expect(a.event.name).not.toBe(b.event.name);
    expect(a.event.name.startsWith("web.")).toBe(true);
  });
});

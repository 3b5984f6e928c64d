import { describe, expect, test } from "bun:test";
import { AuthFailureLimiter, sourceKey } from "./failure-limiter.ts";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("AuthFailureLimiter", () => {
  test("a burst of failures is within budget, the next is limited with the wait until one refills", () => {
    const c = clock();
    const l = new AuthFailureLimiter({ burst: 3, perSecond: 0.5, now: c.now });
    expect([1, 2, 3].map(() => l.fail("a").limited)).toEqual([false, false, false]);
    const v = l.fail("a");
    expect(v).toMatchObject({ limited: true, retryAfterSeconds: 2 });
    // Refilled by time: one more failure within budget, then limited again.
    c.advance(2000);
    expect(l.fail("a").limited).toBe(false);
    expect(l.fail("a").limited).toBe(true);
  });

  test("sources have budgets of their own", () => {
    const l = new AuthFailureLimiter({ burst: 1, perSecond: 0.001, now: clock().now });
    expect(l.fail("a").limited).toBe(false);
    expect(l.fail("a").limited).toBe(true);
    expect(l.fail("b").limited).toBe(false);
  });

  test("the table stays bounded under many sources, evicting the least recently failed", () => {
    const l = new AuthFailureLimiter({ burst: 1, perSecond: 0.001, maxSources: 1000, now: clock().now });
    l.fail("kept");
    for (let i = 0; i < 50_000; i++) {
      l.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      if (i % 500 === 0) l.fail("kept");
    }
    expect(l.size).toBeLessThanOrEqual(1000);
    expect(l.size).toBeGreaterThanOrEqual(900);
    // "kept" failed recently enough to stay, its budget spent; an evicted source starts afresh.
    expect(l.fail("kept").limited).toBe(true);
    expect(l.fail("10.0.0.0").limited).toBe(false);
  });

  test("one log line per source per period, with the failures in between counted", () => {
    const c = clock();
    const l = new AuthFailureLimiter({ burst: 100, logEveryMs: 10_000, logLinesPerSecond: 100, now: c.now });
    expect(l.fail("a")).toMatchObject({ log: true, failures: 1 });
    for (let i = 0; i < 5; i++) expect(l.fail("a").log).toBe(false);
    c.advance(10_000);
    expect(l.fail("a")).toMatchObject({ log: true, failures: 6 });
  });

  test("log lines of all sources together are capped per second; the held-back count is told with the next line", () => {
    const c = clock();
    const l = new AuthFailureLimiter({ burst: 100, logLinesPerSecond: 2, now: c.now });
    const logged = Array.from({ length: 10 }, (_, i) => l.fail(`s${i}`).log);
    expect(logged.filter(Boolean)).toHaveLength(2);
    c.advance(1000);
    expect(l.fail("another")).toMatchObject({ log: true, suppressedLines: 8 });
  });

  test("options that would never allow a failure are refused", () => {
    expect(() => new AuthFailureLimiter({ burst: 0 })).toThrow("burst");
  });
});

describe("sourceKey", () => {
  test.each([
    ["10.1.2.3", "10.1.2.3"],
    ["::ffff:10.1.2.3", "10.1.2.3"],
    ["2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64"],
    ["2001:DB8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    [undefined, "unknown"],
  ] as const)("%s → %s", (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });
});

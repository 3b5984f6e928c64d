import { describe, expect, test } from "bun:test";
import { newRsReplicas, oldRsScaleDowns, proportionalSizes, resolveIntOrPercent, surgeAndUnavailable } from "./rollout-math.ts";
import { podTemplateHash, safeEncode, templatesEqualIgnoringHash } from "./template-hash.ts";

const rs = (name: string, replicas: number, available = replicas, created = 0) => ({ name, replicas, available, created });

describe("resolveIntOrPercent / surgeAndUnavailable", () => {
  test.each([
    [undefined, 10, true, 3], // 25% of 10 rounded up
    [undefined, 10, false, 2], // rounded down
    ["50%", 3, true, 2],
    ["50%", 3, false, 1],
    [2, 10, true, 2],
    ["0%", 10, false, 0],
  ] as const)("%p of %d (up=%p) → %d", (v, total, up, want) => {
    expect(resolveIntOrPercent(v as any, total, up, "25%")).toBe(want);
  });

  test("both zero would deadlock: unavailable becomes 1", () => {
    expect(surgeAndUnavailable({ rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }, 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(surgeAndUnavailable(undefined, 4)).toEqual({ maxSurge: 1, maxUnavailable: 1 });
  });
});

describe("newRsReplicas", () => {
  test.each([
    ["first step with surge 1", 3, 1, rs("new", 0), [rs("old", 3)], 1],
    ["at the surge limit: unchanged", 3, 1, rs("new", 1), [rs("old", 3)], 1],
    ["old shrank: grow into the room", 3, 1, rs("new", 1), [rs("old", 1)], 3],
    ["never above replicas", 3, 5, rs("new", 0), [], 3],
  ])("%s", (_name, replicas, surge, newRs, old, want) => {
    expect(newRsReplicas(replicas, surge, newRs, [newRs, ...old])).toBe(want);
  });
});

describe("oldRsScaleDowns", () => {
  test("keeps availability at replicas − maxUnavailable while the new ReplicaSet is not available", () => {
    // 3 replicas, maxUnavailable 0, new has 1 unavailable pod: nothing may go.
    expect(oldRsScaleDowns(3, 0, rs("new", 1, 0), [rs("old", 3)])).toEqual(new Map());
  });
  test("scales old down as new pods become available", () => {
    expect(oldRsScaleDowns(3, 0, rs("new", 1, 1), [rs("old", 3)])).toEqual(new Map([["old", 2]]));
  });
  test("unhealthy old replicas go first, then the oldest ReplicaSet", () => {
    const out = oldRsScaleDowns(4, 1, rs("new", 1, 1), [rs("older", 2, 2, 1), rs("old", 2, 1, 2)]);
    expect(out.get("old")).toBe(1);
    expect(out.get("older")).toBe(1);
  });
});

describe("proportionalSizes", () => {
  test.each([
    [10, [rs("a", 5, 5, 1), rs("b", 5, 5, 2)], { a: 5, b: 5 }],
    [15, [rs("a", 6, 6, 1), rs("b", 4, 4, 2)], { a: 9, b: 6 }],
    [3, [rs("a", 2, 2, 1), rs("b", 2, 2, 2)], { a: 1, b: 2 }],
  ])("%d over %j", (target, active, want) => {
    expect(Object.fromEntries(proportionalSizes(target, active))).toEqual(want);
  });
});

describe("pod-template-hash", () => {
  const t = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } };
  test("is stable, key-order independent, and changes with the template or collision count", () => {
    const again = { spec: { containers: [{ image: "busybox", name: "c" }] }, metadata: { labels: { app: "web" } } };
    expect(podTemplateHash(t)).toBe(podTemplateHash(again));
    expect(podTemplateHash(t)).not.toBe(podTemplateHash({ ...t, spec: { containers: [{ name: "c", image: "nginx" }] } }));
    expect(podTemplateHash(t, 1)).not.toBe(podTemplateHash(t));
    expect(podTemplateHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
  test("safeEncode maps each character into the vowel-free alphabet", () => {
    expect(safeEncode("0123")).toHaveLength(4);
    expect(safeEncode("0123")).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{4}$/);
  });
  test("templates compare equal without the hash label", () => {
    const withHash = { ...t, metadata: { labels: { app: "web", "pod-template-hash": "abc" } } };
    expect(templatesEqualIgnoringHash(withHash, t)).toBe(true);
    expect(templatesEqualIgnoringHash(withHash, { ...t, spec: { containers: [] } })).toBe(false);
  });
});

import { expect, test } from "bun:test";
import { resourceReplicas, type PodReading } from "./replica-math.ts";
import { limitRate, stabilize } from "./behavior.ts";

const pods = (...usage: (number | undefined)[]): PodReading[] => usage.map((u) => ({ usage: u, request: 100 }));
const cpu50 = { type: "Utilization" as const, averageUtilization: 50 };

test.each([
  ["at target: no change", 2, pods(50, 50), cpu50, 2],
  ["within the 10 % tolerance: no change", 2, pods(54, 54), cpu50, 2],
  ["twice the target: twice the pods", 2, pods(100, 100), cpu50, 4],
  ["a quarter of the target: scale down", 4, pods(10, 15, 10, 15), cpu50, 1],
  ["a missing pod counts as 0 % on the way up", 3, pods(100, 100, undefined), cpu50, 4],
  ["a missing pod counts as 100 % on the way down: no change when that reverses it", 3, pods(10, 10, undefined), cpu50, 3],
  ["average value", 2, pods(300, 300), { type: "AverageValue" as const, averageValue: 100 }, 6],
])("%s", (_n, current, readings, target, want) => {
  const r = resourceReplicas(current, readings, target);
  expect("replicas" in r ? r.replicas : r).toBe(want);
});

test("no metrics, or a pod without a request, is an error, not a guess", () => {
  expect(resourceReplicas(2, pods(undefined), cpu50)).toEqual({ error: "no metrics returned from resource metrics API" });
  expect(resourceReplicas(2, [{ usage: 5, request: 0 }], cpu50)).toEqual({ error: "missing request for resource" });
});

test("scale-down stabilization keeps the highest recommendation of the last 300 s; scale-up has no window", () => {
  const now = 1_000_000;
  const history = [{ atMs: now - 200_000, value: 5 }, { atMs: now - 400_000, value: 9 }];
  expect(stabilize(5, 2, history, undefined, now)).toBe(5);
  expect(stabilize(5, 2, [{ atMs: now - 400_000, value: 9 }], undefined, now)).toBe(2);
  expect(stabilize(2, 8, history, undefined, now)).toBe(8);
  expect(stabilize(5, 2, history, { scaleDown: { stabilizationWindowSeconds: 0 } }, now)).toBe(2);
});

test("--horizontal-pod-autoscaler-downscale-stabilization replaces the default window, not one the HPA sets", () => {
  const now = 1_000_000;
  const history = [{ atMs: now - 60_000, value: 5 }];
  expect(stabilize(5, 2, history, undefined, now, 30)).toBe(2);
  expect(stabilize(5, 2, history, undefined, now, 120)).toBe(5);
  expect(stabilize(5, 2, history, { scaleDown: { stabilizationWindowSeconds: 300 } }, now, 30)).toBe(5);
});

test.each([
  ["default up: +4 pods or +100 % per 15 s, the larger", 2, 20, [], undefined, 6],
  ["default up from 10: +100 %", 10, 50, [], undefined, 20],
  ["events in the period count", 4, 20, [{ atMs: 995_000, value: 2 }], undefined, 6],
  ["a Min policy takes the smaller step", 10, 50, [], { scaleUp: { selectPolicy: "Min" as const } }, 14],
  ["disabled up", 2, 10, [], { scaleUp: { selectPolicy: "Disabled" as const } }, 2],
  ["down by 1 pod per minute", 10, 2, [], { scaleDown: { policies: [{ type: "Pods" as const, value: 1, periodSeconds: 60 }] } }, 9],
  ["default down: to the target at once", 10, 2, [], undefined, 2],
])("%s", (_n, current, desired, events, behavior, want) => {
  expect(limitRate(current, desired, events, behavior, 1_000_000)).toBe(want);
});

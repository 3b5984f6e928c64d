import { describe, expect, test } from "bun:test";
import { scheduleOne, staticSnapshot } from "./schedule-one.ts";
import { planPreemption } from "./preemption.ts";
import { podInfoOf } from "./pod-info.ts";
import { PROFILES } from "./plugins/index.ts";
import { makeNode, makePod, nodeInfos } from "../../test/helpers/scheduler-builders.ts";

const withPriority = (b: ReturnType<typeof makePod>, priority: number, startTime?: string) =>
  b.set((spec) => (spec.priority = priority)).set(() => startTime && (b.obj().status = { startTime }));

/** The plan for `pod` over `infos`: it must not fit anywhere first. */
function plan(pod: ReturnType<typeof makePod>, infos: ReturnType<typeof nodeInfos>) {
  const info = podInfoOf(pod.obj());
  const snapshot = staticSnapshot(infos);
  const decision = scheduleOne(info, snapshot, PROFILES.default!);
  if (!("diagnosis" in decision)) throw new Error(`the pod fits on ${decision.node}`);
  const p = planPreemption(info, snapshot, PROFILES.default!, decision.diagnosis);
  return p && { node: p.node, victims: p.victims.map((v) => v.pod.metadata.name) };
}

describe("planPreemption", () => {
  test("evicts the fewest lower-priority pods that make room, least important first", () => {
    const infos = nodeInfos([makeNode("n").allocatable("2", "4Gi")], [
      withPriority(makePod("old-low").requests("500m").on("n"), 0, "2026-01-01T00:00:00Z"),
      withPriority(makePod("new-low").requests("500m").on("n"), 0, "2026-06-01T00:00:00Z"),
      withPriority(makePod("mid").requests("500m").on("n"), 10),
      withPriority(makePod("peer").requests("500m").on("n"), 100),
    ]);
    // Half a CPU is enough: of the three lower pods, the one that matters least goes — the
    // lowest priority, and of those the one that started last.
    expect(plan(withPriority(makePod("high").requests("500m"), 100), infos)).toEqual({ node: "n", victims: ["new-low"] });
    // A whole CPU takes both low pods; the higher one is given back first and stays.
    expect(plan(withPriority(makePod("high").requests("1"), 100), infos)).toEqual({ node: "n", victims: ["old-low", "new-low"] });
  });

  test("never evicts pods of equal or higher priority, nor for reasons eviction cannot mend", () => {
    const full = nodeInfos([makeNode("n").allocatable("1", "4Gi")], [withPriority(makePod("peer").requests("1").on("n"), 100)]);
    expect(plan(withPriority(makePod("high").requests("1"), 100), full)).toBeUndefined();
    const tainted = nodeInfos([makeNode("t").allocatable("1", "4Gi").taint("x")], [withPriority(makePod("low").requests("1").on("t"), 0)]);
    expect(plan(withPriority(makePod("high").requests("1"), 100), tainted)).toBeUndefined();
    const tooBig = nodeInfos([makeNode("s").allocatable("1", "4Gi")], [withPriority(makePod("low").requests("500m").on("s"), 0)]);
    expect(plan(withPriority(makePod("high").requests("2"), 100), tooBig)).toBeUndefined();
  });

  test("picks the node whose victims matter least", () => {
    const infos = nodeInfos([makeNode("a").allocatable("1", "4Gi"), makeNode("b").allocatable("1", "4Gi"), makeNode("c").allocatable("1", "4Gi")], [
      withPriority(makePod("a-mid").requests("1").on("a"), 50),
      withPriority(makePod("b-low1").requests("500m").on("b"), 1),
      withPriority(makePod("b-low2").requests("500m").on("b"), 1),
      withPriority(makePod("c-low").requests("1").on("c"), 1),
    ]);
    // b and c both top out at priority 1; c's sum (1) is smaller than b's (2).
    expect(plan(withPriority(makePod("high").requests("1"), 100), infos)).toEqual({ node: "c", victims: ["c-low"] });
  });

  test("a host port held by a lower pod is freed by evicting it", () => {
    const infos = nodeInfos([makeNode("n")], [withPriority(makePod("low").hostPort(8080).on("n"), 0), withPriority(makePod("other").on("n"), 0)]);
    expect(plan(withPriority(makePod("high").hostPort(8080), 10), infos)).toEqual({ node: "n", victims: ["low"] });
  });

  test("pods already terminating are not counted as victims again", () => {
    const infos = nodeInfos([makeNode("n").allocatable("1", "4Gi")], [withPriority(makePod("going").requests("1").on("n").terminating(), 0)]);
    expect(plan(withPriority(makePod("high").requests("1"), 100), infos)).toBeUndefined();
  });
});

describe("planPreemption and PodDisruptionBudgets", () => {
  const budget = (allowed: number, app: string) => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: `pdb-${app}`, namespace: "default" }, spec: { selector: { matchLabels: { app } } }, status: { disruptionsAllowed: allowed } });

  function planWith(pod: ReturnType<typeof makePod>, infos: ReturnType<typeof nodeInfos>, budgets: object[]) {
    const info = podInfoOf(pod.obj());
    const snapshot = staticSnapshot(infos, {}, { disruptionBudgets: () => budgets as any });
    const decision = scheduleOne(info, snapshot, PROFILES.default!);
    if (!("diagnosis" in decision)) throw new Error("fits");
    const p = planPreemption(info, snapshot, PROFILES.default!, decision.diagnosis);
    return p && { node: p.node, victims: p.victims.map((v) => v.pod.metadata.name), violations: p.violations };
  }

  test("a node whose victims break no budget wins over one with lower-priority victims that would", () => {
    const infos = nodeInfos([makeNode("a").allocatable("1", "4Gi"), makeNode("b").allocatable("1", "4Gi")], [
      withPriority(makePod("guarded").requests("1").labels({ app: "db" }).on("a"), 1),
      withPriority(makePod("free").requests("1").labels({ app: "web" }).on("b"), 5),
    ]);
    const high = withPriority(makePod("high").requests("1"), 100);
    expect(planWith(high, infos, [])).toEqual({ node: "a", victims: ["guarded"], violations: 0 });
    expect(planWith(high, infos, [budget(0, "db")])).toEqual({ node: "b", victims: ["free"], violations: 0 });
    // A budget with room for one disruption is no reason to spare.
    expect(planWith(high, infos, [budget(1, "db")])).toEqual({ node: "a", victims: ["guarded"], violations: 0 });
  });

  test("on one node, pods a budget guards are given back first; a violation is counted when nothing else makes room", () => {
    const one = nodeInfos([makeNode("n").allocatable("1", "4Gi")], [
      withPriority(makePod("guarded").requests("500m").labels({ app: "db" }).on("n"), 1),
      withPriority(makePod("free").requests("500m").labels({ app: "web" }).on("n"), 5),
    ]);
    // Half a CPU: the free pod goes though it has the higher priority.
    expect(planWith(withPriority(makePod("high").requests("500m"), 100), one, [budget(0, "db")])).toEqual({ node: "n", victims: ["free"], violations: 0 });
    // A whole CPU: both go, and the budget is broken once.
    expect(planWith(withPriority(makePod("high").requests("1"), 100), one, [budget(0, "db")])).toEqual({ node: "n", victims: ["guarded", "free"], violations: 1 });
  });
});

import { describe, expect, test } from "bun:test";
import { taintToleration } from "./taint-toleration.ts";
import { tolerates } from "../../model/taints.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runFilter, runScore } from "../../../test/helpers/scheduler-builders.ts";

describe("TaintToleration filter", () => {
  const tolerating = (t: any[]) => makePod().set((s) => (s.tolerations = t));
  test.each([
    ["untolerated NoSchedule", makePod(), makeNode("n").taint("dedicated", "NoSchedule", "db"), "node(s) had untolerated taint {dedicated: db}"],
    ["tolerated by key and value", tolerating([{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }]), makeNode("n").taint("dedicated", "NoSchedule", "db"), undefined],
    ["PreferNoSchedule does not filter", makePod(), makeNode("n").taint("soft", "PreferNoSchedule"), undefined],
    ["NoExecute filters too", makePod(), makeNode("n").taint("gone", "NoExecute"), "node(s) had untolerated taint {gone: }"],
  ])("%s", (_n, pod, node, want) => {
    expect(runFilter(taintToleration, cycleFor(pod, nodeInfos([node])))).toEqual([want]);
  });

  test.each([
    [[{ operator: "Exists" }], { key: "anything", effect: "NoExecute" }, true],
    [[{ key: "k", operator: "Exists", effect: "NoSchedule" }], { key: "k", effect: "NoExecute" }, false],
    [[{ key: "k", value: "v" }], { key: "k", value: "v", effect: "NoSchedule" }, true],
    [[{ key: "k", operator: "Equal", value: "v" }], { key: "k", value: "w", effect: "NoSchedule" }, false],
  ])("tolerates(%j, %j) = %p", (tolerations, taint, want) => {
    expect(tolerates(tolerations, taint)).toBe(want);
  });
});

describe("TaintToleration score", () => {
  test.each([
    ["fewer intolerable PreferNoSchedule taints score higher", makePod(), [makeNode("clean"), makeNode("one").taint("a", "PreferNoSchedule"), makeNode("two").taint("a", "PreferNoSchedule").taint("b", "PreferNoSchedule")], [100, 50, 0]],
    ["tolerated ones do not count", makePod().set((s) => (s.tolerations = [{ key: "a", operator: "Exists", effect: "PreferNoSchedule" }])), [makeNode("clean"), makeNode("one").taint("a", "PreferNoSchedule")], [100, 100]],
    ["NoSchedule taints are not scored", makePod(), [makeNode("x").taint("hard"), makeNode("y")], [100, 100]],
  ])("%s", (_n, pod, nodes, want) => {
    expect(runScore(taintToleration, cycleFor(pod, nodeInfos(nodes)))).toEqual(want);
  });
});

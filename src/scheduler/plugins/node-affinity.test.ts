import { describe, expect, test } from "bun:test";
import { nodeAffinity } from "./node-affinity.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runFilter, runScore } from "../../../test/helpers/scheduler-builders.ts";

const REASON = "node(s) didn't match Pod's node affinity/selector";

describe("NodeAffinity filter", () => {
  test.each([
    [{ disk: "ssd" }, { disk: "ssd" }, undefined],
    [{ disk: "ssd" }, { disk: "hdd" }, REASON],
    [{ disk: "ssd" }, {}, REASON],
  ])("nodeSelector %j on %j", (sel, labels, want) => {
    expect(runFilter(nodeAffinity, cycleFor(makePod().nodeSelector(sel), nodeInfos([makeNode("n1").labels(labels)])))).toEqual([want]);
  });

  const pod = makePod().set((s) => {
    s.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }, { key: "gpu", operator: "DoesNotExist" }] },
      { matchFields: [{ key: "metadata.name", operator: "In", values: ["special"] }] },
      { matchExpressions: [{ key: "cores", operator: "Gt", values: ["8"] }] },
    ] } } };
  });
  test.each([
    ["first term", makeNode("n1").labels({ zone: "a" }), undefined],
    ["expressions are ANDed", makeNode("n1").labels({ zone: "a", gpu: "1" }), REASON],
    ["matchFields on the name", makeNode("special"), undefined],
    ["Gt compares integers", makeNode("n1").labels({ cores: "16" }), undefined],
    ["Gt with a non-integer label", makeNode("n1").labels({ cores: "many" }), REASON],
  ])("required terms: %s", (_n, node, want) => {
    expect(runFilter(nodeAffinity, cycleFor(pod, nodeInfos([node])))).toEqual([want]);
  });
});

describe("NodeAffinity score", () => {
  const pod = makePod().set((s) => {
    s.affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 10, preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] } },
      { weight: 30, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } },
    ] } };
  });
  test.each([
    ["weights add up, best is 100", [makeNode("both").labels({ disk: "ssd", zone: "a" }), makeNode("zone").labels({ zone: "a" }), makeNode("disk").labels({ disk: "ssd" }), makeNode("none")], [100, 75, 25, 0]],
    ["nothing matches anywhere", [makeNode("x"), makeNode("y")], [0, 0]],
  ])("%s", (_n, nodes, want) => {
    expect(runScore(nodeAffinity, cycleFor(pod, nodeInfos(nodes)))).toEqual(want);
  });

  test("no preferred terms: not scored", () => {
    expect(runScore(nodeAffinity, cycleFor(makePod(), nodeInfos([makeNode("x")])))).toBeUndefined();
  });
});

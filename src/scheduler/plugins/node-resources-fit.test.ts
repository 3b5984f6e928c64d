import { describe, expect, test } from "bun:test";
import { nodeResourcesFit, nodeResourcesFitMostAllocated } from "./node-resources-fit.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runFilter, runScore } from "../../../test/helpers/scheduler-builders.ts";

describe("NodeResourcesFit filter", () => {
  test.each([
    ["fits", makePod().requests("500m", "1Gi"), [], undefined],
    ["cpu exhausted", makePod().requests("1500m"), [makePod("x").requests("1").on("n1")], "Insufficient cpu"],
    ["memory exhausted", makePod().requests(undefined, "5Gi"), [], "Insufficient memory"],
    ["both short: both named", makePod().requests("3", "5Gi"), [], "Insufficient cpu, Insufficient memory"],
    ["no requests always fit", makePod(), [makePod("x").requests("2", "4Gi").on("n1")], undefined],
  ])("%s", (_n, pod, existing, want) => {
    const infos = nodeInfos([makeNode("n1")], existing);
    expect(runFilter(nodeResourcesFit, cycleFor(pod, infos))).toEqual([want]);
  });

  test("pod count limit", () => {
    const infos = nodeInfos([makeNode("n1").allocatable("2", "4Gi", "1")], [makePod("x").on("n1")]);
    expect(runFilter(nodeResourcesFit, cycleFor(makePod(), infos))).toEqual(["Too many pods"]);
  });
});

describe("NodeResourcesFit scores", () => {
  // n1 empty, n2 with 1 cpu / 2Gi requested, on 2 cpu / 4Gi nodes; the pod asks 500m / 1Gi.
  const infos = () => nodeInfos([makeNode("n1"), makeNode("n2")], [makePod("x").requests("1", "2Gi").on("n2")]);
  test.each([
    // least: ((2000-500)/2000·100=75 + (4-1)/4·100=75)/2 = 75; n2: (25+25)/2 = 25
    ["LeastAllocated", nodeResourcesFit, [75, 25]],
    // most: (25+25)/2 = 25; n2: (75+75)/2 = 75
    ["MostAllocated", nodeResourcesFitMostAllocated, [25, 75]],
  ])("%s", (_n, plugin, want) => {
    expect(runScore(plugin, cycleFor(makePod().requests("500m", "1Gi"), infos()))).toEqual(want);
  });

  test("a pod without requests is scored as 100m / 200Mi", () => {
    const s = runScore(nodeResourcesFit, cycleFor(makePod(), nodeInfos([makeNode("n1").allocatable("1", "1000Mi")])));
    // cpu (1000-100)/1000 → 90, memory (1000-200)/1000 → 80
    expect(s).toEqual([85]);
  });
});

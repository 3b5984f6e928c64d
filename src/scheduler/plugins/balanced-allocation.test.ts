import { expect, test } from "bun:test";
import { balancedAllocation } from "./balanced-allocation.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runScore } from "../../../test/helpers/scheduler-builders.ts";

test.each([
  // fractions cpu 1/2, memory 1/4 → std 0.125 → 87
  ["unequal use", makePod().requests("1", "1Gi"), [87]],
  ["equal use", makePod().requests("1", "2Gi"), [100]],
  ["capped at 1", makePod().requests("4", "1Gi"), [62]],
])("%s", (_n, pod, want) => {
  expect(runScore(balancedAllocation, cycleFor(pod, nodeInfos([makeNode("n1")])))).toEqual(want);
});

test("pods requesting nothing are not scored", () => {
  expect(runScore(balancedAllocation, cycleFor(makePod(), nodeInfos([makeNode("n1")])))).toBeUndefined();
});

import { expect, test } from "bun:test";
import { nodePorts } from "./node-ports.ts";
import { nodeName } from "./node-name.ts";
import { nodeUnschedulable } from "./node-unschedulable.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runFilter } from "../../../test/helpers/scheduler-builders.ts";

test.each([
  ["same port and protocol", makePod().hostPort(8080), "node(s) didn't have free ports for the requested pod ports"],
  ["other protocol", makePod().hostPort(8080, "UDP"), undefined],
  ["other port", makePod().hostPort(9090), undefined],
])("NodePorts: %s", (_n, pod, want) => {
  const infos = nodeInfos([makeNode("n")], [makePod("x").hostPort(8080).on("n")]);
  expect(runFilter(nodePorts, cycleFor(pod, infos))).toEqual([want]);
});

test.each([
  ["cordoned", makePod(), "node(s) were unschedulable"],
  ["tolerates the unschedulable taint", makePod().set((s) => (s.tolerations = [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }])), undefined],
])("NodeUnschedulable: %s", (_n, pod, want) => {
  expect(runFilter(nodeUnschedulable, cycleFor(pod, nodeInfos([makeNode("n").cordon()])))).toEqual([want]);
});

test("NodeName: only the named node", () => {
  const pod = makePod().set((s) => (s.nodeName = "b"));
  expect(runFilter(nodeName, cycleFor(pod, nodeInfos([makeNode("a"), makeNode("b")])))).toEqual(["node(s) didn't match the requested node name", undefined]);
});

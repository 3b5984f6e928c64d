import { expect, test } from "bun:test";
import { podTopologySpreadScore } from "./pod-topology-spread-score.ts";
import { compileSelector } from "../selector.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runScore } from "../../../test/helpers/scheduler-builders.ts";

const ZONE = "topology.kubernetes.io/zone";
const HOST = "kubernetes.io/hostname";
const anyway = (topologyKey: string, maxSkew = 1) => (s: any) =>
  (s.topologySpreadConstraints = [...(s.topologySpreadConstraints ?? []), { maxSkew, topologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }]);
const web = (name: string, node: string) => makePod(name).labels({ app: "web" }).on(node);

test.each([
  // 2 zones → weight log(4); a: 2 pods → round(2·1.386) = 3, b: 0 → 0; normalised (3+0−s)·100/3.
  ["by zone: the emptier zone scores 100", makePod("new").labels({ app: "web" }).set(anyway(ZONE)),
    [makeNode("a1").zone("a"), makeNode("a2").zone("a"), makeNode("b1").zone("b")], [web("w1", "a1"), web("w2", "a2")], [0, 0, 100]],
  // 3 nodes → log(5)=1.609: counts 2, 1, 0 → 3, 2, 0 → (3+0−s)/3: 0, 33, 100.
  ["by hostname", makePod("new").labels({ app: "web" }).set(anyway(HOST)),
    [makeNode("n1"), makeNode("n2"), makeNode("n3")], [web("w1", "n1"), web("w2", "n1"), web("w3", "n2")], [0, 33, 100]],
  ["nodes missing a key of the pod's own constraints score 0", makePod("new").labels({ app: "web" }).set(anyway(ZONE)),
    [makeNode("a1").zone("a"), makeNode("bare")], [], [100, 0]],
  ["no matching pods anywhere: everyone 100", makePod("new").labels({ app: "web" }).set(anyway(HOST)),
    [makeNode("n1"), makeNode("n2")], [makePod("x").on("n1")], [100, 100]],
])("%s", (_n, pod, nodes, existing, want) => {
  expect(runScore(podTopologySpreadScore, cycleFor(pod, nodeInfos(nodes, existing)))).toEqual(want);
});

test("no constraints and no default selector: not scored", () => {
  expect(runScore(podTopologySpreadScore, cycleFor(makePod("new"), nodeInfos([makeNode("n1")])))).toBeUndefined();
});

test("system defaults spread a controller's pods by hostname (maxSkew 3), nodes without a zone still scored", () => {
  const infos = nodeInfos([makeNode("n1"), makeNode("n2")], [web("w1", "n1"), web("w2", "n1"), web("w3", "n1"), web("w4", "n1")]);
  const cycle = cycleFor(makePod("new").labels({ app: "web" }), infos, { defaultSpreadSelector: () => compileSelector({ matchLabels: { app: "web" } }) });
  // hostname: log(4)=1.386 → n1 round(4·1.386 + 2) = 8, n2 2 → (8+2−s)·100/8: 25, 100.
  expect(runScore(podTopologySpreadScore, cycle)).toEqual([25, 100]);
});

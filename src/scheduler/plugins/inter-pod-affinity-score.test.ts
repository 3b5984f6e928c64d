import { expect, test } from "bun:test";
import { interPodAffinityScore } from "./inter-pod-affinity-score.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runScore } from "../../../test/helpers/scheduler-builders.ts";

const ZONE = "topology.kubernetes.io/zone";
const HOST = "kubernetes.io/hostname";
const weighted = (weight: number, app: string, topologyKey: string) => ({ weight, podAffinityTerm: { labelSelector: { matchLabels: { app } }, topologyKey } });
const nodes = () => [makeNode("n1").zone("a"), makeNode("n2").zone("a"), makeNode("n3").zone("b")];

test.each([
  ["preferred affinity pulls toward the zone of matching pods",
    makePod("new").set((s) => (s.affinity = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, "db", ZONE)] } })),
    [makePod("db").labels({ app: "db" }).on("n3")], [0, 0, 100]],
  ["preferred anti-affinity pushes away, weights add up per pair",
    makePod("new").set((s) => (s.affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(10, "web", HOST)] } })),
    [makePod("w1").labels({ app: "web" }).on("n1"), makePod("w2").labels({ app: "web" }).on("n1"), makePod("w3").labels({ app: "web" }).on("n2")], [0, 50, 100]],
  ["existing pods' required affinity attracts a matching pod (hard weight 1)",
    makePod("new").labels({ app: "db" }),
    [makePod("client").set((s) => (s.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "db" } }, topologyKey: ZONE }] } })).on("n1")], [100, 100, 0]],
  ["existing pods' preferred anti-affinity repels a matching pod",
    makePod("new").labels({ app: "noisy" }),
    [makePod("quiet").set((s) => (s.affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(7, "noisy", HOST)] } })).on("n2")], [100, 0, 100]],
])("%s", (_n, pod, existing, want) => {
  expect(runScore(interPodAffinityScore, cycleFor(pod, nodeInfos(nodes(), existing)))).toEqual(want);
});

test("nothing to weigh: not scored", () => {
  expect(runScore(interPodAffinityScore, cycleFor(makePod("new"), nodeInfos(nodes(), [makePod("x").on("n1")])))).toBeUndefined();
});

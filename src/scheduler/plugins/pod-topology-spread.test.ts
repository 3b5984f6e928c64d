import { describe, expect, test } from "bun:test";
import { ERR_CONSTRAINTS, ERR_LABEL, podTopologySpread } from "./pod-topology-spread.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runFilter } from "../../../test/helpers/scheduler-builders.ts";

const ZONE = "topology.kubernetes.io/zone";
const HOST = "kubernetes.io/hostname";
const spread = (c: any) => (s: any) => (s.topologySpreadConstraints = [{ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } }, ...c }]);
const web = (name: string, node: string) => makePod(name).labels({ app: "web" }).on(node);
const newWeb = (c: any) => makePod("new").labels({ app: "web" }).set(spread(c));

// zone a: a1, a2 (labelled pool=x); zone b: b1; "bare" has no zone label.
const nodes = () => [makeNode("a1").zone("a").labels({ pool: "x" }), makeNode("a2").zone("a").labels({ pool: "x" }), makeNode("b1").zone("b"), makeNode("bare")];

describe("PodTopologySpread filter", () => {
  test.each([
    ["zone a has one more: only zone b; nodes without the key are unresolvable", newWeb({ topologyKey: ZONE }), [web("w1", "a1")],
      [ERR_CONSTRAINTS, ERR_CONSTRAINTS, undefined, ERR_LABEL]],
    ["balanced: anywhere with the key", newWeb({ topologyKey: ZONE }), [web("w1", "a1"), web("w2", "b1")],
      [undefined, undefined, undefined, ERR_LABEL]],
    ["maxSkew 2 tolerates one more", newWeb({ topologyKey: ZONE, maxSkew: 2 }), [web("w1", "a1")],
      [undefined, undefined, undefined, ERR_LABEL]],
    ["by hostname: empty nodes only", newWeb({ topologyKey: HOST }), [web("w1", "a1"), web("w2", "b1")],
      [ERR_CONSTRAINTS, undefined, ERR_CONSTRAINTS, undefined]],
    ["pods of other apps or namespaces do not count", newWeb({ topologyKey: ZONE }), [makePod("x").labels({ app: "db" }).on("a1"), makePod("y", "other").labels({ app: "web" }).on("a1")],
      [undefined, undefined, undefined, ERR_LABEL]],
    ["terminating pods do not count", newWeb({ topologyKey: ZONE }), [web("w1", "a1").terminating()],
      [undefined, undefined, undefined, ERR_LABEL]],
    ["a pod that does not match its own selector adds nothing", makePod("new").labels({ app: "other" }).set(spread({ topologyKey: ZONE })), [web("w1", "a1")],
      [undefined, undefined, undefined, ERR_LABEL]],
    ["minDomains above the domains there are: the global minimum is 0", newWeb({ topologyKey: ZONE, minDomains: 3 }), [web("w1", "a1"), web("w2", "b1")],
      [ERR_CONSTRAINTS, ERR_CONSTRAINTS, ERR_CONSTRAINTS, ERR_LABEL]],
    ["nodeAffinityPolicy Honor: zones outside the pod's node affinity are not domains", newWeb({ topologyKey: ZONE }).nodeSelector({ pool: "x" }), [web("w1", "b1")],
      [undefined, undefined, undefined, ERR_LABEL]],
    ["nodeAffinityPolicy Ignore: they are", newWeb({ topologyKey: ZONE, nodeAffinityPolicy: "Ignore" }).nodeSelector({ pool: "x" }), [web("w1", "b1")],
      [undefined, undefined, ERR_CONSTRAINTS, ERR_LABEL]],
    ["ScheduleAnyway constraints do not filter", newWeb({ topologyKey: ZONE, whenUnsatisfiable: "ScheduleAnyway" }), [web("w1", "a1")],
      [undefined, undefined, undefined, undefined]],
  ])("%s", (_n, pod, existing, want) => {
    expect(runFilter(podTopologySpread, cycleFor(pod, nodeInfos(nodes(), existing)))).toEqual(want);
  });

  test("nodeTaintsPolicy Honor leaves out tainted nodes' domains", () => {
    const infos = nodeInfos([makeNode("a1").zone("a"), makeNode("b1").zone("b"), makeNode("c1").zone("c").taint("t")], [web("w1", "a1"), web("w2", "b1")]);
    const honor = newWeb({ topologyKey: ZONE, nodeTaintsPolicy: "Honor" });
    const ignore = newWeb({ topologyKey: ZONE });
    expect(runFilter(podTopologySpread, cycleFor(honor, infos))).toEqual([undefined, undefined, undefined]);
    expect(runFilter(podTopologySpread, cycleFor(ignore, infos))).toEqual([ERR_CONSTRAINTS, ERR_CONSTRAINTS, undefined]);
  });
});

import { describe, expect, test } from "bun:test";
import { ERR_AFFINITY, ERR_ANTI_AFFINITY, ERR_EXISTING_ANTI_AFFINITY, interPodAffinity } from "./inter-pod-affinity.ts";
import { cycleFor, makeNode, makePod, nodeInfos, runFilter } from "../../../test/helpers/scheduler-builders.ts";

const HOST = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";
const term = (app: string, topologyKey: string, extra: any = {}) => ({ labelSelector: { matchLabels: { app } }, topologyKey, ...extra });
const affinity = (...terms: any[]) => (s: any) => (s.affinity = { ...s.affinity, podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const anti = (...terms: any[]) => (s: any) => (s.affinity = { ...s.affinity, podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });

// n1, n2 in zone a; n3 in zone b; n4 has no zone label.
const nodes = () => [makeNode("n1").zone("a"), makeNode("n2").zone("a"), makeNode("n3").zone("b"), makeNode("n4")];

describe("InterPodAffinity filter", () => {
  test.each([
    ["anti-affinity by hostname keeps replicas apart", makePod("new").labels({ app: "web" }).set(anti(term("web", HOST))),
      [makePod("w1").labels({ app: "web" }).on("n1")], [ERR_ANTI_AFFINITY, undefined, undefined, undefined]],
    ["anti-affinity by zone excludes the whole zone (and nodes without the key are fine)", makePod("new").set(anti(term("web", ZONE))),
      [makePod("w1").labels({ app: "web" }).on("n2")], [ERR_ANTI_AFFINITY, ERR_ANTI_AFFINITY, undefined, undefined]],
    ["affinity by zone: only where a matching pod's zone is; nodes without the key never", makePod("new").set(affinity(term("db", ZONE))),
      [makePod("db").labels({ app: "db" }).on("n3")], [ERR_AFFINITY, ERR_AFFINITY, undefined, ERR_AFFINITY]],
    ["affinity with nothing matching anywhere, pod not matching itself", makePod("new").set(affinity(term("db", HOST))),
      [], [ERR_AFFINITY, ERR_AFFINITY, ERR_AFFINITY, ERR_AFFINITY]],
    ["first pod of a self-affine group goes anywhere with the key", makePod("new").labels({ app: "cache" }).set(affinity(term("cache", ZONE))),
      [], [undefined, undefined, undefined, ERR_AFFINITY]],
    ["once one exists, the group follows it", makePod("new").labels({ app: "cache" }).set(affinity(term("cache", ZONE))),
      [makePod("c1").labels({ app: "cache" }).on("n3")], [ERR_AFFINITY, ERR_AFFINITY, undefined, ERR_AFFINITY]],
    ["existing pods' anti-affinity repels the incoming pod (symmetry)", makePod("new").labels({ app: "noisy" }),
      [makePod("quiet").set(anti(term("noisy", ZONE))).on("n1")], [ERR_EXISTING_ANTI_AFFINITY, ERR_EXISTING_ANTI_AFFINITY, undefined, undefined]],
    ["terms only look in the pod's own namespace by default", makePod("new").set(anti(term("web", HOST))),
      [makePod("w1", "other").labels({ app: "web" }).on("n1")], [undefined, undefined, undefined, undefined]],
    ["terms may name namespaces", makePod("new").set(anti(term("web", HOST, { namespaces: ["other"] }))),
      [makePod("w1", "other").labels({ app: "web" }).on("n1")], [ERR_ANTI_AFFINITY, undefined, undefined, undefined]],
    ["an empty namespaceSelector means every namespace", makePod("new").set(anti(term("web", HOST, { namespaceSelector: {} }))),
      [makePod("w1", "other").labels({ app: "web" }).on("n1")], [ERR_ANTI_AFFINITY, undefined, undefined, undefined]],
    ["namespaceSelector by namespace labels", makePod("new").set(anti(term("web", HOST, { namespaceSelector: { matchLabels: { team: "x" } } }))),
      [makePod("w1", "other").labels({ app: "web" }).on("n1"), makePod("w2", "teamx").labels({ app: "web" }).on("n2")], [undefined, ERR_ANTI_AFFINITY, undefined, undefined]],
    ["matchLabelKeys narrows to the same value", makePod("new").labels({ app: "web", rev: "2" }).set(anti(term("web", HOST, { matchLabelKeys: ["rev"] }))),
      [makePod("old").labels({ app: "web", rev: "1" }).on("n1"), makePod("same").labels({ app: "web", rev: "2" }).on("n2")], [undefined, ERR_ANTI_AFFINITY, undefined, undefined]],
    ["affinity terms must all match the same pod", makePod("new").set(affinity(term("a", HOST), term("b", HOST))),
      [makePod("a").labels({ app: "a" }).on("n1"), makePod("b").labels({ app: "b" }).on("n1")], [ERR_AFFINITY, ERR_AFFINITY, ERR_AFFINITY, ERR_AFFINITY]],
    ["a null labelSelector matches nothing", makePod("new").set(anti({ topologyKey: HOST })),
      [makePod("w1").labels({ app: "web" }).on("n1")], [undefined, undefined, undefined, undefined]],
  ])("%s", (_n, pod, existing, want) => {
    const cycle = cycleFor(pod, nodeInfos(nodes(), existing), { nsLabels: { teamx: { team: "x" } } });
    expect(runFilter(interPodAffinity, cycle)).toEqual(want);
  });

  test("a pod with no terms, among pods with none, skips the filter", () => {
    const cycle = cycleFor(makePod("new"), nodeInfos(nodes(), [makePod("x").on("n1")]));
    expect(interPodAffinity.preFilter!(cycle)).toBe("skip");
  });
});

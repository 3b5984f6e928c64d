import { describe, expect, test } from "bun:test";
import { SchedulerCache, interleaveZones } from "./cache.ts";
import { podInfoOf } from "./pod-info.ts";
import { makeNode, makePod, nodeInfos } from "../../test/helpers/scheduler-builders.ts";

describe("SchedulerCache", () => {
  const withNode = () => {
    const c = new SchedulerCache();
    c.setNode(makeNode("n1").obj());
    return c;
  };

  test("bound pods add up and go away again", () => {
    const c = withNode();
    const pod = makePod("a").requests("500m", "1Gi").on("n1").obj();
    c.updatePod(pod);
    expect(c.nodeInfo("n1")!.requested).toEqual({ cpu: 500, memory: 1024 ** 3, pods: 1 });
    c.updatePod({ ...pod, metadata: { ...pod.metadata, resourceVersion: "2" } });
    expect(c.nodeInfo("n1")!.requested.pods).toBe(1);
    c.updatePod({ ...pod, status: { phase: "Succeeded" } });
    expect(c.nodeInfo("n1")!.requested).toEqual({ cpu: 0, memory: 0, pods: 0 });
  });

  test("an assumed pod counts at once, survives its own status writes, and is confirmed by the binding", () => {
    const c = withNode();
    const pending = makePod("a").requests("1").obj();
    c.assume(podInfoOf(pending), "n1");
    expect(c.isAssumed("default/a")).toBe(true);
    c.updatePod({ ...pending, status: { conditions: [] } });
    expect(c.nodeInfo("n1")!.requested.cpu).toBe(1000);
    c.updatePod({ ...pending, spec: { ...pending.spec, nodeName: "n1" } });
    expect(c.isAssumed("default/a")).toBe(false);
    expect(c.nodeInfo("n1")!.requested.cpu).toBe(1000);
  });

  test("a failed bind is forgotten", () => {
    const c = withNode();
    c.assume(podInfoOf(makePod("a").requests("1").obj()), "n1");
    c.forget("default/a");
    expect(c.nodeInfo("n1")!.pods).toHaveLength(0);
  });

  test("pods on a node not seen yet wait for it; a removed node leaves the list", () => {
    const c = new SchedulerCache();
    c.updatePod(makePod("a").requests("1").on("later").obj());
    expect(c.nodes()).toHaveLength(0);
    c.setNode(makeNode("later").obj());
    expect(c.nodes().map((n) => [n.name, n.requested.cpu])).toEqual([["later", 1000]]);
    c.removeNode(makeNode("later").obj());
    expect(c.nodes()).toHaveLength(0);
  });
});

test("nodes holding pods with (anti-)affinity are listed without a scan when there are none", () => {
  const c = new SchedulerCache();
  for (const n of ["n1", "n2"]) c.setNode(makeNode(n).obj());
  expect(c.nodesWithRequiredAntiAffinityPods()).toEqual([]);
  const anti = makePod("a").set((s) => (s.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {}, topologyKey: "kubernetes.io/hostname" }] } })).on("n2").obj();
  c.updatePod(anti);
  expect(c.nodesWithRequiredAntiAffinityPods().map((n) => n.name)).toEqual(["n2"]);
  expect(c.nodesWithAffinityPods().map((n) => n.name)).toEqual(["n2"]);
  c.removePod(anti);
  expect(c.nodesWithAffinityPods()).toEqual([]);
});

test("nodes are listed zone by zone in turn", () => {
  const infos = nodeInfos([makeNode("a1").zone("a"), makeNode("a2").zone("a"), makeNode("a3").zone("a"), makeNode("b1").zone("b"), makeNode("c1").zone("c")]);
  expect(interleaveZones(infos).map((i) => i.name)).toEqual(["a1", "b1", "c1", "a2", "a3"]);
});

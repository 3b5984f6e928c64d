import { describe, expect, test } from "bun:test";
import { scheduleOne } from "./schedule-one.ts";
import { buildNodeInfo, podRequests } from "./node-info.ts";
import { PROFILES } from "./plugins/index.ts";
import { nodeAffinity } from "./plugins/node-affinity.ts";
import { nodePorts } from "./plugins/node-ports.ts";
import { nodeResourcesFit } from "./plugins/node-resources-fit.ts";
import { nodeUnschedulable } from "./plugins/node-unschedulable.ts";
import { taintToleration, tolerates } from "./plugins/taint-toleration.ts";
import { makeNode, makePod } from "./test-builders.ts";

const info = (n: ReturnType<typeof makeNode>, pods = [] as any[]) => buildNodeInfo(n.obj(), pods);

describe("requests", () => {
  test("containers add up; the largest init container counts when bigger", () => {
    const p = makePod().set((s) => {
      s.containers = [{ name: "a", image: "i", resources: { requests: { cpu: "100m", memory: "64Mi" } } }, { name: "b", image: "i", resources: { requests: { cpu: "200m" } } }];
      s.initContainers = [{ name: "init", image: "i", resources: { requests: { cpu: "1", memory: "32Mi" } } }];
    });
    expect(podRequests(p.obj())).toEqual({ cpu: 1000n, memory: 64n * 1024n * 1024n, pods: 1 });
  });
});

describe("filters", () => {
  test.each([
    ["fits", makePod().requests("500m", "1Gi"), [], undefined],
    ["cpu exhausted", makePod().requests("1500m"), [makePod("x").requests("1").obj()], "Insufficient cpu"],
    ["memory exhausted", makePod().requests(undefined, "5Gi"), [], "Insufficient memory"],
    ["no requests always fit", makePod(), [makePod("x").requests("2", "4Gi").obj()], undefined],
  ])("NodeResourcesFit: %s", (_n, pod, existing, want) => {
    expect(nodeResourcesFit.filter(pod.obj(), info(makeNode("n1"), existing))).toBe(want);
  });

  test("pod count limit", () => {
    const node = makeNode("n1").allocatable("2", "4Gi", "1");
    expect(nodeResourcesFit.filter(makePod().obj(), info(node, [makePod("x").obj()]))).toBe("Too many pods");
  });

  test.each([
    [{ disk: "ssd" }, { disk: "ssd" }, undefined],
    [{ disk: "ssd" }, { disk: "hdd" }, "node(s) didn't match Pod's node affinity/selector"],
  ])("NodeAffinity nodeSelector %p on %p", (sel, labels, want) => {
    expect(nodeAffinity.filter(makePod().nodeSelector(sel).obj(), info(makeNode("n1").labels(labels)))).toBe(want);
  });

  test("required node affinity: terms OR, expressions AND", () => {
    const pod = makePod().set((s) => {
      s.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
        { matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }, { key: "gpu", operator: "DoesNotExist" }] },
        { matchFields: [{ key: "metadata.name", operator: "In", values: ["special"] }] },
      ] } } };
    }).obj();
    expect(nodeAffinity.filter(pod, info(makeNode("n1").labels({ zone: "a" })))).toBeUndefined();
    expect(nodeAffinity.filter(pod, info(makeNode("n1").labels({ zone: "a", gpu: "1" })))).toBeDefined();
    expect(nodeAffinity.filter(pod, info(makeNode("special")))).toBeUndefined();
  });

  test("taints and tolerations", () => {
    expect(taintToleration.filter(makePod().obj(), info(makeNode("n").taint("dedicated", "NoSchedule", "db")))).toBe("node(s) had untolerated taint {dedicated: db}");
    const tolerant = makePod().set((s) => (s.tolerations = [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }])).obj();
    expect(taintToleration.filter(tolerant, info(makeNode("n").taint("dedicated", "NoSchedule", "db")))).toBeUndefined();
    expect(taintToleration.filter(makePod().obj(), info(makeNode("n").taint("soft", "PreferNoSchedule")))).toBeUndefined();
    expect(tolerates([{ operator: "Exists" }], { key: "anything", effect: "NoExecute" })).toBe(true);
    expect(tolerates([{ key: "k", operator: "Exists", effect: "NoSchedule" }], { key: "k", effect: "NoExecute" })).toBe(false);
  });

  test("cordoned nodes", () => {
    expect(nodeUnschedulable.filter(makePod().obj(), info(makeNode("n").cordon()))).toBe("node(s) were unschedulable");
    const ok = makePod().set((s) => (s.tolerations = [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }])).obj();
    expect(nodeUnschedulable.filter(ok, info(makeNode("n").cordon()))).toBeUndefined();
  });

  test("host ports", () => {
    const used = [makePod("x").hostPort(8080).obj()];
    expect(nodePorts.filter(makePod().hostPort(8080).obj(), info(makeNode("n"), used))).toBeDefined();
    expect(nodePorts.filter(makePod().hostPort(8080, "UDP").obj(), info(makeNode("n"), used))).toBeUndefined();
    expect(nodePorts.filter(makePod().hostPort(9090).obj(), info(makeNode("n"), used))).toBeUndefined();
  });
});

describe("scheduleOne", () => {
  const nodes = () => [
    info(makeNode("busy"), [makePod("a").requests("1500m", "3Gi").obj()]),
    info(makeNode("idle")),
  ];

  test("least-allocated spreads, most-allocated packs", () => {
    const pod = makePod().requests("250m", "256Mi").obj();
    expect(scheduleOne(pod, nodes(), PROFILES.default!)).toMatchObject({ node: "idle" });
    expect(scheduleOne(pod, nodes(), PROFILES.binpack!)).toMatchObject({ node: "busy" });
  });

  test("nothing fits: reasons counted like FailedScheduling", () => {
    const pod = makePod().requests("3").obj();
    const all = [...nodes(), info(makeNode("tainted").taint("x"))];
    expect(scheduleOne(pod, all, PROFILES.default!)).toEqual({ unschedulable: "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint {x: }." });
  });

  test("ties break by node name", () => {
    expect(scheduleOne(makePod().obj(), [info(makeNode("b")), info(makeNode("a"))], PROFILES.default!)).toMatchObject({ node: "a" });
  });
});

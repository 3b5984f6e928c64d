import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../model/object.ts";
import { PodEvaluator } from "./pod-evaluator.ts";
import { listToJSON } from "./resource-list.ts";
import { podLimits, podRequests } from "./pod-resources.ts";

const NOW = new Date("2025-01-01T00:00:00Z");
const ev = new PodEvaluator();

function pod(containers: any[], extra: { init?: any[]; spec?: any; status?: any; meta?: any } = {}): KubeObject {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "p", namespace: "ns", ...extra.meta },
    spec: { containers, ...(extra.init ? { initContainers: extra.init } : {}), ...extra.spec },
    status: { phase: "Running", ...extra.status },
  };
}
const c = (name: string, requests?: Record<string, string>, limits?: Record<string, string>) => ({ name, image: "x", resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

describe("pod requests and limits", () => {
  test.each([
    ["containers add up", pod([c("a", { cpu: "100m" }), c("b", { cpu: "250m", memory: "64Mi" })]), { cpu: "350m", memory: "64Mi" }],
    ["the largest init container wins over a smaller sum", pod([c("a", { cpu: "100m" })], { init: [c("i", { cpu: "1" }), c("j", { cpu: "500m" })] }), { cpu: "1" }],
    ["a sum larger than any init container wins", pod([c("a", { cpu: "2" })], { init: [c("i", { cpu: "1" })] }), { cpu: "2" }],
    ["sidecars add to the containers and to init containers after them", pod([c("a", { cpu: "1" })], { init: [{ ...c("s", { cpu: "500m" }), restartPolicy: "Always" }, c("i", { cpu: "2" })] }), { cpu: "2500m" }],
    ["overhead adds to requests", pod([c("a", { cpu: "1" })], { spec: { overhead: { cpu: "250m", memory: "10Mi" } } }), { cpu: "1250m", memory: "10Mi" }],
  ])("%s", (_, p, want) => {
    expect(listToJSON(podRequests(p))).toEqual(want);
  });

  test("overhead adds only to limits that are set", () => {
    const p = pod([c("a", undefined, { cpu: "1" })], { spec: { overhead: { cpu: "250m", memory: "10Mi" } } });
    expect(listToJSON(podLimits(p))).toEqual({ cpu: "1250m" });
  });
});

describe("PodEvaluator.usage", () => {
  test("a running pod counts its requests and limits; cpu and memory mean requests", () => {
    const p = pod([c("a", { cpu: "500m", memory: "128Mi" }, { cpu: "1", memory: "256Mi" }), c("b", { cpu: "500m" })]);
    expect(listToJSON(ev.usage(p, NOW))).toEqual({
      "count/pods": "1", pods: "1",
      cpu: "1", "requests.cpu": "1", "limits.cpu": "1",
      memory: "128Mi", "requests.memory": "128Mi", "limits.memory": "256Mi",
    });
  });

  test.each([
    ["Succeeded", { status: { phase: "Succeeded" } }],
    ["Failed", { status: { phase: "Failed" } }],
    ["stuck terminating past its grace period", { meta: { deletionTimestamp: "2024-12-31T23:59:00Z", deletionGracePeriodSeconds: 30 } }],
  ])("a pod %s only counts as an object", (_, extra) => {
    expect(listToJSON(ev.usage(pod([c("a", { cpu: "1" })], extra), NOW))).toEqual({ "count/pods": "1" });
  });

  test("a pod still within its grace period counts", () => {
    const p = pod([c("a")], { meta: { deletionTimestamp: "2024-12-31T23:59:50Z", deletionGracePeriodSeconds: 30 } });
    expect(listToJSON(ev.usage(p, NOW))).toEqual({ "count/pods": "1", pods: "1" });
  });

  test("hugepages and extended resources", () => {
    const p = pod([c("a", { "hugepages-2Mi": "4Mi", "example.com/gpu": "1" })]);
    expect(listToJSON(ev.usage(p, NOW))).toMatchObject({ "hugepages-2Mi": "4Mi", "requests.hugepages-2Mi": "4Mi", "requests.example.com/gpu": "1" });
  });
});

describe("PodEvaluator.matchingResources", () => {
  test("keeps only what pods count", () => {
    expect(ev.matchingResources(["pods", "count/pods", "requests.cpu", "limits.memory", "services", "configmaps", "requests.storage", "requests.example.com/gpu", "hugepages-1Gi"]))
      .toEqual(["pods", "count/pods", "requests.cpu", "limits.memory", "requests.example.com/gpu", "hugepages-1Gi"]);
  });
});

describe("PodEvaluator.constraints (Kubernetes' wording)", () => {
  test("nothing required → fine", () => {
    expect(ev.constraints(["pods", "count/pods"], pod([c("a")]))).toBeUndefined();
  });

  test("names the missing resources, each with its containers, sorted", () => {
    const p = pod([c("web", { memory: "1Gi" }), c("db")], { init: [c("setup", { cpu: "1" })] });
    expect(ev.constraints(["pods", "requests.cpu", "limits.memory", "cpu"], p))
      .toBe("must specify cpu for: db,web; limits.memory for: db,setup,web; requests.cpu for: db,web");
  });

  test("a container stating it is enough", () => {
    expect(ev.constraints(["limits.cpu"], pod([c("a", undefined, { cpu: "1" })]))).toBeUndefined();
    expect(ev.constraints(["limits.cpu"], pod([c("a", { cpu: "1" })]))).toBe("must specify limits.cpu for: a");
  });
});

describe("PodEvaluator.matchesScope", () => {
  const be = pod([c("a")]);
  const burst = pod([c("a", { cpu: "100m" })]);
  const deadline = pod([c("a")], { spec: { activeDeadlineSeconds: 60 } });
  const high = pod([c("a")], { spec: { priorityClassName: "high" } });
  test.each([
    ["BestEffort", "Exists", undefined, be, true],
    ["BestEffort", "Exists", undefined, burst, false],
    ["NotBestEffort", "Exists", undefined, burst, true],
    ["Terminating", "Exists", undefined, deadline, true],
    ["Terminating", "Exists", undefined, be, false],
    ["NotTerminating", "Exists", undefined, be, true],
    ["PriorityClass", "In", ["high"], high, true],
    ["PriorityClass", "In", ["high"], be, false],
    ["PriorityClass", "NotIn", ["high"], be, true],
    ["PriorityClass", "NotIn", ["high"], high, false],
    ["PriorityClass", "Exists", undefined, high, true],
    ["PriorityClass", "DoesNotExist", undefined, high, false],
    ["CrossNamespacePodAffinity", "Exists", undefined, pod([c("a")], { spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "x", namespaces: ["other"] }] } } } }), true],
    ["CrossNamespacePodAffinity", "Exists", undefined, be, false],
  ] as const)("%s %s %p", (scopeName, operator, values, p, want) => {
    expect(ev.matchesScope({ scopeName, operator, values: values as string[] | undefined }, p)).toBe(want);
  });
});

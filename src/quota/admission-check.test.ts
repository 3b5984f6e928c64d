import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../model/object.ts";
import { evaluatorFor } from "./registry.ts";
import { exceededReason, planCharges } from "./admission-check.ts";
import { quotaUsed } from "./usage.ts";
import { listToJSON } from "./resource-list.ts";

const NOW = new Date("2025-01-01T00:00:00Z");
const pods = evaluatorFor("", "pods")!;

const quota = (name: string, hard: Record<string, string>, spec: any = {}): KubeObject =>
  ({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name, namespace: "ns" }, spec: { hard, ...spec } });
const pod = (name: string, requests: Record<string, string> = {}, phase = "Running", spec: any = {}): KubeObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns" }, spec: { containers: [{ name: "c", image: "x", resources: { requests } }], ...spec }, status: { phase } });

/** The full decision: constraints, then each charge against the live objects. */
function decide(quotas: KubeObject[], existing: KubeObject[], obj: KubeObject): string | undefined {
  const plan = planCharges(quotas, pods, obj, NOW);
  if ("error" in plan) return plan.error;
  for (const charge of plan.charges) {
    const why = exceededReason(charge, quotaUsed(charge.quota, pods, existing, NOW));
    if (why) return why;
  }
  return undefined;
}

describe("quota admission decision", () => {
  test("the third pod under pods=2", () => {
    expect(decide([quota("q", { pods: "2" })], [pod("a"), pod("b")], pod("c")))
      .toBe("exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2");
  });

  test("terminal pods do not count toward pods, but do toward count/pods", () => {
    const existing = [pod("a"), pod("b", {}, "Succeeded"), pod("c", {}, "Failed")];
    expect(decide([quota("q", { pods: "2" })], existing, pod("d"))).toBeUndefined();
    expect(decide([quota("q", { "count/pods": "3" })], existing, pod("d")))
      .toBe("exceeded quota: q, requested: count/pods=1, used: count/pods=3, limited: count/pods=3");
  });

  test("only exceeded resources are listed, sorted", () => {
    const q = quota("compute", { pods: "10", "requests.cpu": "1", "requests.memory": "1Gi", cpu: "1" });
    const existing = [pod("a", { cpu: "600m", memory: "512Mi" })];
    expect(decide([q], existing, pod("b", { cpu: "500m", memory: "256Mi" })))
      .toBe("exceeded quota: compute, requested: cpu=500m,requests.cpu=500m, used: cpu=600m,requests.cpu=600m, limited: cpu=1,requests.cpu=1");
  });

  test("used is printed as zero when nothing uses the resource yet", () => {
    expect(decide([quota("q", { "requests.cpu": "1" })], [], pod("big", { cpu: "1500m" })))
      .toBe("exceeded quota: q, requested: requests.cpu=1500m, used: requests.cpu=0, limited: requests.cpu=1");
  });

  test("a quota on requests.cpu needs every container to request cpu", () => {
    expect(decide([quota("cpu-q", { "requests.cpu": "4" })], [], pod("lazy")))
      .toBe("failed quota: cpu-q: must specify requests.cpu for: c");
  });

  test("requirements of every quota are checked before any limit", () => {
    const full = quota("a-full", { pods: "0" });
    const cpu = quota("b-cpu", { "limits.cpu": "4" });
    expect(decide([full, cpu], [], pod("p"))).toBe("failed quota: b-cpu: must specify limits.cpu for: c");
  });

  test("a quota that limits nothing pods count does not apply", () => {
    expect(decide([quota("q", { services: "0", configmaps: "0" })], [], pod("p"))).toBeUndefined();
  });

  test("scoped quotas charge only pods in their scope", () => {
    const be = quota("be", { pods: "1" }, { scopes: ["BestEffort"] });
    expect(decide([be], [pod("a")], pod("b", { cpu: "100m" }))).toBeUndefined();
    expect(decide([be], [pod("a"), pod("x", { cpu: "100m" })], pod("b")))
      .toBe("exceeded quota: be, requested: pods=1, used: pods=1, limited: pods=1");
    const high = quota("high", { pods: "0" }, { scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["high"] }] } });
    expect(decide([high], [], pod("a"))).toBeUndefined();
    expect(decide([high], [], pod("b", {}, "Pending", { priorityClassName: "high" })))
      .toBe("exceeded quota: high, requested: pods=1, used: pods=0, limited: pods=0");
  });

  test("the first quota (by the order given) that is exceeded is reported", () => {
    expect(decide([quota("a", { pods: "1" }), quota("b", { pods: "1" })], [pod("x")], pod("y")))
      .toBe("exceeded quota: a, requested: pods=1, used: pods=1, limited: pods=1");
  });
});

describe("quotaUsed", () => {
  test("every counted resource appears, zero when unused; others are left out", () => {
    const q = quota("q", { pods: "5", "requests.memory": "1Gi", "limits.cpu": "2", services: "3" });
    expect(listToJSON(quotaUsed(q, pods, [pod("a", { memory: "100Mi" }), pod("b", { memory: "28Mi" })], NOW)))
      .toEqual({ pods: "2", "requests.memory": "128Mi", "limits.cpu": "0" });
  });
});

describe("services and claims", () => {
  const svc = (type: string, ports: number, extra: any = {}): KubeObject =>
    ({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "ns" }, spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })), ...extra } });
  const ev = evaluatorFor("", "services")!;
  test.each([
    ["ClusterIP", svc("ClusterIP", 2), { "count/services": "1", services: "1", "services.nodeports": "0", "services.loadbalancers": "0" }],
    ["NodePort", svc("NodePort", 2), { "count/services": "1", services: "1", "services.nodeports": "2", "services.loadbalancers": "0" }],
    ["LoadBalancer", svc("LoadBalancer", 3), { "count/services": "1", services: "1", "services.nodeports": "3", "services.loadbalancers": "1" }],
    ["LoadBalancer without node ports", svc("LoadBalancer", 3, { allocateLoadBalancerNodePorts: false }), { "count/services": "1", services: "1", "services.nodeports": "0", "services.loadbalancers": "1" }],
  ])("%s", (_, s, want) => {
    expect(listToJSON(ev.usage(s, NOW))).toEqual(want);
  });

  test("a ClusterIP service is not charged node ports", () => {
    const plan = planCharges([quota("q", { "services.nodeports": "0" })], ev, svc("ClusterIP", 1), NOW);
    expect(plan).toEqual({ charges: [] });
  });

  test("claims count storage, also per class", () => {
    const pvc: KubeObject = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "c", namespace: "ns" }, spec: { storageClassName: "gold", resources: { requests: { storage: "5Gi" } } } };
    expect(listToJSON(evaluatorFor("", "persistentvolumeclaims")!.usage(pvc, NOW))).toEqual({
      "count/persistentvolumeclaims": "1", persistentvolumeclaims: "1", "requests.storage": "5Gi",
      "gold.storageclass.storage.k8s.io/persistentvolumeclaims": "1", "gold.storageclass.storage.k8s.io/requests.storage": "5Gi",
    });
  });
});

import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { kindsCounted, quotaStatus } from "./status.ts";

const NOW = new Date("2025-01-01T00:00:00Z");
const quota = (hard: Record<string, string>, spec: any = {}): KubeObject =>
  ({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "ns" }, spec: { hard, ...spec } });
const pod = (name: string, cpu?: string, phase = "Running"): KubeObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns" }, spec: { containers: [{ name: "c", resources: cpu ? { requests: { cpu } } : {} }] }, status: { phase } });
const obj = (kind: string, name: string, spec: any = {}): KubeObject => ({ apiVersion: "v1", kind, metadata: { name, namespace: "ns" }, spec });

describe("quotaStatus", () => {
  const objects: Record<string, KubeObject[]> = {
    "pods.": [pod("a", "250m"), pod("b", "1"), pod("done", "4", "Succeeded")],
    "services.": [obj("Service", "s", { type: "NodePort", ports: [{ port: 80 }, { port: 443 }] }), obj("Service", "t", { type: "ClusterIP", ports: [{ port: 80 }] })],
    "configmaps.": [obj("ConfigMap", "c1"), obj("ConfigMap", "c2")],
    "deployments.apps": [obj("Deployment", "d")],
  };
  const of = (k: { group: string; plural: string }) => objects[`${k.plural}.${k.group}`] ?? (k.plural === "widgets" ? undefined : []);

  test("used per hard resource, from the namespace's objects", () => {
    const q = quota({
      pods: "10", "count/pods": "20", "requests.cpu": "4", "limits.cpu": "8",
      services: "5", "services.nodeports": "4", configmaps: "3", "count/deployments.apps": "2",
      "count/widgets.example.com": "1", bananas: "3",
    });
    expect(quotaStatus(q, of, NOW)).toEqual({
      hard: {
        bananas: "3", configmaps: "3", "count/deployments.apps": "2", "count/pods": "20", "count/widgets.example.com": "1",
        "limits.cpu": "8", pods: "10", "requests.cpu": "4", services: "5", "services.nodeports": "4",
      },
      used: {
        bananas: "0", configmaps: "2", "count/deployments.apps": "1", "count/pods": "3", "count/widgets.example.com": "0",
        "limits.cpu": "0", pods: "2", "requests.cpu": "1250m", services: "2", "services.nodeports": "2",
      },
    });
  });

  test("hard is printed canonically, as the API would", () => {
    expect(quotaStatus(quota({ "requests.memory": "1024Mi", "requests.cpu": "1.5" }), of, NOW).hard).toEqual({ "requests.cpu": "1500m", "requests.memory": "1Gi" });
  });

  test("a scoped quota counts only pods in scope", () => {
    expect(quotaStatus(quota({ pods: "5" }, { scopes: ["BestEffort"] }), () => [pod("a"), pod("b", "1")], NOW).used).toEqual({ pods: "1" });
  });

  test("kindsCounted", () => {
    expect(kindsCounted(quota({ pods: "1", "requests.cpu": "1", secrets: "1", "count/jobs.batch": "1", bananas: "1" })))
      .toEqual([{ group: "", plural: "pods" }, { group: "", plural: "secrets" }, { group: "batch", plural: "jobs" }]);
  });
});

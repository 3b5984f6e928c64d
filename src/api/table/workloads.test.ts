import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from "./workloads.ts";

const now = new Date("2024-05-01T12:00:00Z");
const created = "2024-04-29T09:00:00Z"; // 2d3h before now
const template = { spec: { containers: [{ name: "web", image: "nginx:1.25" }, { name: "log", image: "busybox" }] } };

function obj(kind: string, spec: any, status: any = {}): KubeObject {
  return { apiVersion: "apps/v1", kind, metadata: { name: "x", namespace: "default", creationTimestamp: created }, spec, status };
}

describe("deployment", () => {
  test("columns", () => {
    expect(deploymentPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0", "Ready:0", "Up-to-date:0", "Available:0", "Age:0", "Containers:1", "Images:1", "Selector:1",
    ]);
  });

  test.each<[string, any, any, unknown[]]>([
    [
      "fully rolled out",
      { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
      { replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      ["x", "3/3", 3, 3, "2d3h", "web,log", "nginx:1.25,busybox", "app=web"],
    ],
    [
      "fresh, no status yet",
      { replicas: 2, selector: { matchLabels: { app: "web", tier: "fe" } }, template },
      {},
      ["x", "0/2", 0, 0, "2d3h", "web,log", "nginx:1.25,busybox", "app=web,tier=fe"],
    ],
    [
      "scaled to zero",
      { replicas: 0, selector: { matchLabels: { app: "web" } }, template },
      { observedGeneration: 2 },
      ["x", "0/0", 0, 0, "2d3h", "web,log", "nginx:1.25,busybox", "app=web"],
    ],
    [
      "mid rollout with expressions, sorted by key",
      {
        replicas: 4,
        selector: { matchLabels: { tier: "fe" }, matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }, { key: "canary", operator: "DoesNotExist" }] },
        template,
      },
      { replicas: 5, readyReplicas: 3, updatedReplicas: 2, availableReplicas: 3 },
      ["x", "3/4", 2, 3, "2d3h", "web,log", "nginx:1.25,busybox", "app in (api,web),!canary,tier=fe"],
    ],
    [
      "unknown selector operator",
      { replicas: 1, selector: { matchExpressions: [{ key: "a", operator: "Bogus" }] }, template },
      {},
      ["x", "0/1", 0, 0, "2d3h", "web,log", "nginx:1.25,busybox", "<invalid>"],
    ],
  ])("%s", (_n, spec, status, cells) => {
    expect(deploymentPrinter.cells(obj("Deployment", spec, status), now)).toEqual(cells);
  });
});

test("replicaset", () => {
  const rs = obj("ReplicaSet", { replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": "abc" } }, template }, { replicas: 3, readyReplicas: 1 });
  expect(replicaSetPrinter.columns.map((c) => c.name)).toEqual(["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"]);
  expect(replicaSetPrinter.cells(rs, now)).toEqual(["x", 3, 3, 1, "2d3h", "web,log", "nginx:1.25,busybox", "app=web,pod-template-hash=abc"]);
});

test("statefulset", () => {
  const sts = obj("StatefulSet", { replicas: 3, template }, { readyReplicas: 2 });
  expect(statefulSetPrinter.columns.map((c) => c.name)).toEqual(["Name", "Ready", "Age", "Containers", "Images"]);
  expect(statefulSetPrinter.cells(sts, now)).toEqual(["x", "2/3", "2d3h", "web,log", "nginx:1.25,busybox"]);
});

test("daemonset", () => {
  const ds = obj(
    "DaemonSet",
    { selector: { matchLabels: { app: "agent" } }, template: { spec: { ...template.spec, nodeSelector: { "kubernetes.io/os": "linux" } } } },
    { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
  );
  expect(daemonSetPrinter.columns.map((c) => c.name)).toEqual([
    "Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector",
  ]);
  expect(daemonSetPrinter.cells(ds, now)).toEqual([
    "x", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "2d3h", "web,log", "nginx:1.25,busybox", "app=agent",
  ]);
  const noSelector = obj("DaemonSet", { template: { spec: { containers: [] } } });
  expect(daemonSetPrinter.cells(noSelector, now)).toEqual(["x", 0, 0, 0, 0, 0, "<none>", "2d3h", "", "", "<none>"]);
});

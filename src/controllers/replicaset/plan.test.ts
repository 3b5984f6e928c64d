import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { podsToDelete, replicaSetStatus, slowStartBatches } from "./plan.ts";

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: string; restarts?: number; created?: string; cost?: number } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      creationTimestamp: o.created ?? "2026-01-01T00:00:00Z",
      labels: { app: "x" },
      ...(o.cost !== undefined ? { annotations: { "controller.kubernetes.io/pod-deletion-cost": String(o.cost) } } : {}),
    },
    spec: o.node ? { nodeName: o.node } : {},
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", lastTransitionTime: o.readySince ?? "2026-01-01T00:00:00Z" }],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

describe("podsToDelete (Kubernetes' ActivePods order)", () => {
  test.each([
    ["unscheduled before scheduled", [pod("a", { node: "n" }), pod("b")], "b"],
    ["pending before running", [pod("a", { node: "n" }), pod("b", { node: "n", phase: "Pending" })], "b"],
    ["not ready before ready", [pod("a", { node: "n" }), pod("b", { node: "n", ready: false })], "b"],
    ["lower deletion cost first", [pod("a", { node: "n", cost: 5 }), pod("b", { node: "n", cost: -1 })], "b"],
    ["ready for less time first", [pod("a", { node: "n", readySince: "2026-01-01T00:00:00Z" }), pod("b", { node: "n", readySince: "2026-01-02T00:00:00Z" })], "b"],
    ["more restarts first", [pod("a", { node: "n" }), pod("b", { node: "n", restarts: 3 })], "b"],
    ["newer first", [pod("a", { node: "n" }), pod("b", { node: "n", created: "2026-02-01T00:00:00Z" })], "b"],
  ])("%s", (_name, pods, first) => {
    expect(podsToDelete(pods, 1).map((p) => p.metadata.name)).toEqual([first]);
  });
});

test.each([
  [0, []],
  [1, [1]],
  [5, [1, 2, 2]],
  [10, [1, 2, 4, 3]],
])("slowStartBatches(%d) = %j", (n, want) => {
  expect(slowStartBatches(n)).toEqual(want);
});

describe("replicaSetStatus", () => {
  const rs: KubeObject = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "x", generation: 3 }, spec: { minReadySeconds: 10, template: { metadata: { labels: { app: "x" } } } } };
  test("counts ready and available (minReadySeconds) and asks to look again when one becomes available", () => {
    const now = new Date("2026-01-01T00:00:05Z");
    const { status, recheckMs } = replicaSetStatus(rs, [pod("a", { readySince: "2025-12-31T00:00:00Z" }), pod("b", { readySince: "2026-01-01T00:00:00Z" }), pod("c", { ready: false })], now);
    expect(status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 });
    expect(recheckMs).toBe(5000);
  });
  test("a failed create shows as ReplicaFailure", () => {
    const { status } = replicaSetStatus(rs, [], new Date(), { message: "quota exceeded" });
    expect(status.conditions).toEqual([expect.objectContaining({ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "quota exceeded" })]);
  });
  test("a standing ReplicaFailure is kept as it was while failures go on, and cleared after", () => {
    const first = replicaSetStatus(rs, [], new Date("2026-01-01T00:00:00Z"), { message: 'pods "x-1" is forbidden' }).status;
    const again = replicaSetStatus({ ...rs, status: first }, [], new Date("2026-01-01T00:01:00Z"), { message: 'pods "x-2" is forbidden' }).status;
    expect(again.conditions).toEqual(first.conditions);
    expect(replicaSetStatus({ ...rs, status: again }, [], new Date()).status.conditions).toBeUndefined();
  });
});

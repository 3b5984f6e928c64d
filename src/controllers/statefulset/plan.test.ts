import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { planStatefulSet, revisionForNewPod, statefulSetStatus, type StsAction } from "./plan.ts";

const NOW = new Date("2024-01-01T01:00:00Z");
function sts(spec: any = {}, status: any = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default", generation: 3 },
    spec: { replicas: 3, podManagementPolicy: "OrderedReady", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } }, ...spec },
    status,
  };
}
/** ready | pending | notready | failed | deleting; revision "new" or "old". */
function pod(ordinal: number, state = "ready", revision = "new"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `web-${ordinal}`,
      namespace: "default",
      labels: { "statefulset.kubernetes.io/pod-name": `web-${ordinal}`, "apps.kubernetes.io/pod-index": String(ordinal), "controller-revision-hash": revision },
      ...(state === "deleting" ? { deletionTimestamp: "2024-01-01T00:59:00Z" } : {}),
    },
    status: {
      phase: state === "pending" ? "Pending" : state === "failed" ? "Failed" : "Running",
      conditions: [{ type: "Ready", status: state === "ready" || state === "deleting" ? "True" : "False", lastTransitionTime: "2024-01-01T00:00:00Z" }],
    },
  };
}
const show = (a: StsAction) => (a.kind === "create" ? `create ${a.ordinal}${a.revision === "current" ? " (current)" : ""}` : a.kind === "delete" ? `delete ${a.pod.metadata.name} (${a.why})` : `${a.kind} ${a.pod.metadata.name}`);
const plan = (s: KubeObject, pods: KubeObject[]) => planStatefulSet(s, pods, { updateRevision: "new", now: NOW }).actions.map(show);

describe("OrderedReady", () => {
  test.each([
    ["creates ordinal 0 first", [], ["create 0"]],
    ["then 1 once 0 is ready", [pod(0)], ["create 1"]],
    ["waits while 0 is not ready", [pod(0, "notready")], []],
    ["waits for a pending pod (making sure its claims exist)", [pod(0, "pending")], ["claims web-0"]],
    ["fills a gap below before anything above", [pod(0), pod(2)], ["create 1"]],
    ["a failed pod is deleted, to be recreated under its name", [pod(0), pod(1, "failed"), pod(2)], ["delete web-1 (failed)"]],
    ["scales down from the highest ordinal, one at a time", [pod(0), pod(1), pod(2), pod(3), pod(4)], ["delete web-4 (scale-down)"]],
    ["waits for a terminating condemned pod", [pod(0), pod(1), pod(2), pod(3), pod(4, "deleting")], []],
    ["never scales down past an unhealthy replica", [pod(0, "notready"), pod(1), pod(2), pod(3)], []],
    ["a missing identity label is put back", [pod(0), { ...pod(1), metadata: { ...pod(1).metadata, labels: { "controller-revision-hash": "new" } } }, pod(2)], ["identity web-1"]],
  ])("%s", (_what, pods, want) => {
    expect(plan(sts(), pods as KubeObject[])).toEqual(want);
  });
});

describe("Parallel", () => {
  test.each([
    ["creates every missing pod at once", [], ["create 0", "create 1", "create 2"]],
    ["does not wait for unready pods", [pod(0, "notready")], ["create 1", "create 2"]],
    ["scales down every condemned pod at once", [pod(0), pod(1), pod(2), pod(3, "notready"), pod(4)], ["delete web-4 (scale-down)", "delete web-3 (scale-down)"]],
  ])("%s", (_what, pods, want) => {
    expect(plan(sts({ podManagementPolicy: "Parallel" }), pods as KubeObject[])).toEqual(want);
  });
});

describe("RollingUpdate", () => {
  const old = [pod(0, "ready", "old"), pod(1, "ready", "old"), pod(2, "ready", "old")];
  test.each([
    ["deletes the highest old pod first", 0, old, ["delete web-2 (update)"]],
    ["waits for the replacement", 0, [old[0]!, old[1]!, pod(2, "notready")], []],
    ["moves on once it is ready", 0, [old[0]!, old[1]!, pod(2)], ["delete web-1 (update)"]],
    ["stops at the partition", 2, [old[0]!, old[1]!, pod(2)], []],
    ["a partition beyond replicas updates nothing", 5, old, []],
  ])("%s", (_what, partition, pods, want) => {
    expect(plan(sts({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition } } }), pods as KubeObject[])).toEqual(want);
  });

  test("OnDelete leaves old pods alone", () => {
    expect(plan(sts({ updateStrategy: { type: "OnDelete" } }), old)).toEqual([]);
  });

  test.each([
    [{ type: "RollingUpdate", rollingUpdate: { partition: 2 } }, 1, "current"],
    [{ type: "RollingUpdate", rollingUpdate: { partition: 2 } }, 2, "update"],
    [{ type: "OnDelete" }, 0, "update"],
  ])("a new pod under %j at ordinal %d gets the %s revision", (updateStrategy, ordinal, want) => {
    expect(revisionForNewPod(sts({ updateStrategy }), ordinal)).toBe(want as "current" | "update");
  });

  test("a pod below the partition is recreated from the current revision", () => {
    expect(plan(sts({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }), [])).toEqual(["create 0 (current)"]);
  });
});

test("start ordinal shifts the range", () => {
  expect(plan(sts({ ordinals: { start: 5 }, replicas: 2 }), [pod(5)])).toEqual(["create 6"]);
});

describe("status", () => {
  test.each([
    ["mid rollout", [pod(0, "ready", "old"), pod(1, "ready", "old"), pod(2, "notready")], { replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, updatedReplicas: 1, currentRevision: "old" }],
    ["rollout complete: the update revision becomes current", [pod(0), pod(1), pod(2)], { replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: "new" }],
    ["terminating pods count as replicas and ready, not as current or updated", [pod(0), pod(1), pod(2, "deleting", "old")], { replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 2, currentRevision: "old" }],
  ])("%s", (_what, pods, want) => {
    const { status } = statefulSetStatus(sts(), pods as KubeObject[], { currentRevision: "old", updateRevision: "new", collisionCount: 0, now: NOW });
    expect(status).toMatchObject({ ...want, observedGeneration: 3, updateRevision: "new", collisionCount: 0 });
    if (!("currentReplicas" in want)) expect(status.currentReplicas).toBeUndefined();
  });
});

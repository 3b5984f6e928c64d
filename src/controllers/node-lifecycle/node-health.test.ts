import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { reconcileTaints, silencedConditions } from "./node-health.ts";

const NOW = Date.parse("2026-01-01T00:10:00Z");

function node(ready: string | undefined, o: { taints?: any[]; unschedulable?: boolean; more?: any[] } = {}): KubeObject {
  return {
    apiVersion: "v1", kind: "Node",
    metadata: { name: "n", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { conditions: [...(ready ? [{ type: "Ready", status: ready, reason: "KubeletReady", lastHeartbeatTime: "2026-01-01T00:09:00Z", lastTransitionTime: "2026-01-01T00:01:00Z" }] : []), ...(o.more ?? [])] },
  };
}

describe("silencedConditions", () => {
  test("every kubelet condition turns Unknown; heartbeats are kept, missing ones are added", () => {
    const conds = silencedConditions(node("True", { more: [{ type: "MemoryPressure", status: "False" }] }), NOW);
    expect(conds.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Ready", "Unknown", "NodeStatusUnknown"],
      ["MemoryPressure", "Unknown", "NodeStatusUnknown"],
      ["DiskPressure", "Unknown", "NodeStatusNeverUpdated"],
      ["PIDPressure", "Unknown", "NodeStatusNeverUpdated"],
    ]);
    expect(conds[0]).toMatchObject({ message: "Kubelet stopped posting node status.", lastHeartbeatTime: "2026-01-01T00:09:00Z", lastTransitionTime: "2026-01-01T00:10:00Z" });
  });

  test("already Unknown stays as it was", () => {
    const once = silencedConditions(node("True"), NOW);
    const n = node("True");
    n.status.conditions = once;
    expect(silencedConditions(n, NOW + 60_000)).toEqual(once);
  });
});

describe("reconcileTaints", () => {
  test("Unknown: unreachable NoSchedule and NoExecute, the latter stamped", () => {
    expect(reconcileTaints(node("Unknown"), NOW)).toEqual([
      { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" },
      { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2026-01-01T00:10:00Z" },
    ]);
  });

  test("False: not-ready replaces unreachable; a stamp survives while the taint stays", () => {
    const tainted = node("False", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "x" }, { key: "node.kubernetes.io/not-ready", effect: "NoExecute", timeAdded: "2026-01-01T00:05:00Z" }] });
    expect(reconcileTaints(tainted, NOW)).toEqual([
      { key: "node.kubernetes.io/not-ready", effect: "NoExecute", timeAdded: "2026-01-01T00:05:00Z" },
      { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
    ]);
  });

  test("Ready and cordoned, under memory pressure, with a user's taint kept in place", () => {
    const n = node("True", { unschedulable: true, taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }], more: [{ type: "MemoryPressure", status: "True" }] });
    expect(reconcileTaints(n, NOW)).toEqual([
      { key: "dedicated", value: "db", effect: "NoSchedule" },
      { key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" },
      { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
    ]);
  });

  test("Ready again: the managed taints go", () => {
    expect(reconcileTaints(node("True", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] }), NOW)).toEqual([]);
  });

  test("a node that never reported has no condition taints yet", () => {
    expect(reconcileTaints(node(undefined), NOW)).toEqual([]);
  });
});

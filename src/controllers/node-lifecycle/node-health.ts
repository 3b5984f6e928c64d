/**
 * What the node lifecycle controller concludes from a Node (kubernetes
 * `pkg/controller/nodelifecycle`): its conditions once the kubelet went silent, and the
 * taints its conditions and cordon imply (TaintNodesByCondition and the NoExecute taints
 * that make pods leave).
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import type { Node, NodeCondition } from "../../model/kinds.ts";
import { TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, type Taint } from "../../model/taints.ts";
import { nowTimestamp } from "../../model/object.ts";

/** The conditions a kubelet reports; all turn Unknown when it stops reporting. */
const KUBELET_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

/** Keys this controller owns on a node: it adds and removes them, leaving every other taint alone. */
export const MANAGED_TAINT_KEYS = new Set([
  TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE,
  "node.kubernetes.io/memory-pressure", "node.kubernetes.io/disk-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/network-unavailable",
]);

const PRESSURE_TAINTS: Record<string, string> = {
  MemoryPressure: "node.kubernetes.io/memory-pressure",
  DiskPressure: "node.kubernetes.io/disk-pressure",
  PIDPressure: "node.kubernetes.io/pid-pressure",
  NetworkUnavailable: "node.kubernetes.io/network-unavailable",
};

function iso(ms: number): string {
  return nowTimestamp(new Date(ms));
}

export function readyStatus(node: Node): string | undefined {
  return (node.status?.conditions ?? []).find((c) => c.type === "Ready")?.status;
}

/** The node's conditions as the controller writes them when the kubelet has gone silent. */
export function silencedConditions(node: Node, nowMs: number): NodeCondition[] {
  const conds = cloneObject(node.status?.conditions ?? []);
  for (const type of KUBELET_CONDITIONS) {
    const c = conds.find((x) => x.type === type);
    if (!c) {
      conds.push({ type, status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: iso(nowMs) });
    } else if (c.status !== "Unknown") {
      Object.assign(c, { status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: iso(nowMs) });
    }
  }
  return conds;
}

/** The managed taints the node should carry now (NoExecute ones stamped with when they appeared). */
export function wantedTaints(node: KubeObject, nowMs: number): Taint[] {
  const out: Taint[] = [];
  const ready = readyStatus(node);
  const conditionKey = ready === "False" ? TAINT_NOT_READY : ready === "Unknown" ? TAINT_UNREACHABLE : undefined;
  if (conditionKey) out.push({ key: conditionKey, effect: "NoSchedule" }, { key: conditionKey, effect: "NoExecute" });
  for (const c of node.status?.conditions ?? []) {
    const key = PRESSURE_TAINTS[c.type];
    if (key && c.status === "True") out.push({ key, effect: "NoSchedule" });
  }
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: "NoSchedule" });
  const current: Taint[] = node.spec?.taints ?? [];
  for (const t of out) {
    if (t.effect !== "NoExecute") continue;
    t.timeAdded = current.find((c) => c.key === t.key && c.effect === t.effect)?.timeAdded ?? iso(nowMs);
  }
  return out;
}

/** The node's full taint list: unmanaged taints kept in place, managed ones as wanted. */
export function reconcileTaints(node: KubeObject, nowMs: number): Taint[] {
  const current: Taint[] = node.spec?.taints ?? [];
  const wanted = wantedTaints(node, nowMs);
  const kept = current.filter((t) => !MANAGED_TAINT_KEYS.has(t.key) || wanted.some((w) => w.key === t.key && w.effect === t.effect));
  const added = wanted.filter((w) => !current.some((t) => t.key === w.key && t.effect === w.effect));
  return [...kept.map((t) => wanted.find((w) => w.key === t.key && w.effect === t.effect) ?? t), ...added];
}

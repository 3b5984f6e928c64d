/**
 * DaemonSet decisions as pure functions (kubernetes `pkg/controller/daemon`): which nodes need
 * a pod and which pods must go (manage), which old pods to replace next in a rolling update
 * (with maxUnavailable or maxSurge), and the status. Node iteration is by name so that the same
 * state always gives the same plan.
 */
import type { KubeObject } from "../../model/object.ts";
import type { DaemonSetCondition, Pod } from "../../model/kinds.ts";
import { isPodAvailable, isPodReady } from "../framework/pod-util.ts";
import { resolveIntOrPercent } from "../deployment/rollout-math.ts";
import { REVISION_HASH_LABEL } from "../history/revision.ts";
import type { NodeFit } from "./eligibility.ts";

export interface NodeView extends NodeFit {
  name: string;
}

/** Scheduled pods first, then oldest, then by name (podByCreationTimestampAndPhase). */
export function compareDaemonPods(a: KubeObject, b: KubeObject): number {
  const sa = a.spec?.nodeName ? 0 : 1;
  const sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ta = Date.parse(a.metadata.creationTimestamp ?? "") || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? "") || 0;
  if (ta !== tb) return ta - tb;
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}

export interface ManagePlan {
  /** Nodes to create a daemon pod for. */
  create: string[];
  /** Pods to delete (duplicates, finished pods, pods on nodes that should not run them or are gone). */
  delete: KubeObject[];
  /** Failed pods among `delete`, per node (reported as FailedDaemonPod; they start the node's back-off). */
  failed: { pod: Pod; node: string }[];
  /** Nodes whose failed pod waits out its back-off (the caller looks again later). */
  backingOff: string[];
}

/**
 * podsShouldBeOnNode for every node, plus pods whose node is gone. `inBackoff(node)` says
 * whether a failed pod on that node was replaced too recently to be replaced again.
 */
export function planManage(nodes: NodeView[], podsByNode: Map<string, KubeObject[]>, o: { hash: string; allowsSurge: boolean; inBackoff?: (node: string) => boolean }): ManagePlan {
  const plan: ManagePlan = { create: [], delete: [], failed: [], backingOff: [] };
  const known = new Set(nodes.map((n) => n.name));
  for (const node of [...nodes].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const pods = podsByNode.get(node.name) ?? [];
    if (node.shouldRun && pods.length === 0) {
      plan.create.push(node.name);
      continue;
    }
    if (!node.shouldContinueRunning) {
      plan.delete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
      continue;
    }
    const running: KubeObject[] = [];
    for (const p of pods) {
      if (p.metadata.deletionTimestamp) continue;
      const phase = p.status?.phase;
      if (phase === "Failed") {
        if (o.inBackoff?.(node.name)) {
          plan.backingOff.push(node.name);
          continue;
        }
        plan.delete.push(p);
        plan.failed.push({ pod: p, node: node.name });
      } else if (phase === "Succeeded") plan.delete.push(p);
      else running.push(p);
    }
    if (running.length <= 1) continue;
    running.sort(compareDaemonPods);
    if (!o.allowsSurge) {
      plan.delete.push(...running.slice(1));
      continue;
    }
    // With surge, two pods may share a node: the oldest of the new hash while it gets ready,
    // and the oldest old one while it still serves. Everything else goes.
    let newest: KubeObject | undefined;
    let oldest: KubeObject | undefined;
    for (const p of running) {
      if (p.metadata.labels?.[REVISION_HASH_LABEL] === o.hash) {
        if (!newest) {
          newest = p;
          continue;
        }
      } else if (!oldest) {
        oldest = p;
        continue;
      }
      plan.delete.push(p);
    }
    if (newest && oldest && (!isPodReady(oldest) || isPodReady(newest))) plan.delete.push(oldest);
  }
  // Pods for nodes that no longer exist (getUnscheduledPodsWithoutNode, and bound pods of deleted nodes).
  for (const [name, pods] of [...podsByNode].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!known.has(name)) plan.delete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
  }
  return plan;
}

/** Both resolved against the number of nodes that should run a pod, rounding up; both zero means one unavailable. */
export function surgeAndUnavailable(ds: KubeObject, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
  const maxSurge = resolveIntOrPercent(ru.maxSurge ?? 0, desired, true, "0");
  let maxUnavailable = resolveIntOrPercent(ru.maxUnavailable ?? 1, desired, true, "1");
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export function allowsSurge(ds: KubeObject): boolean {
  if (ds.spec?.updateStrategy?.type !== "RollingUpdate") return false;
  // Any non-zero surge allows it: the exact count is resolved against the node count later.
  return resolveIntOrPercent(ds.spec.updateStrategy.rollingUpdate?.maxSurge ?? 0, 100, true, "0") > 0;
}

export interface RollingPlan {
  /** Old pods to delete now. */
  delete: KubeObject[];
  /** Nodes to surge a new pod onto beside the old one. */
  create: string[];
}

/** The node's one new and one old pod; undefined when there are duplicates (manage cleans them up first). */
function updatedPodsOnNode(pods: Pod[], isUpdated: (p: Pod) => boolean): { newPod?: KubeObject; oldPod?: KubeObject } | undefined {
  let newPod: KubeObject | undefined;
  let oldPod: KubeObject | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isUpdated(p)) {
      if (newPod) return undefined;
      newPod = p;
    } else {
      if (oldPod) return undefined;
      oldPod = p;
    }
  }
  return { newPod, oldPod };
}

/**
 * One step of a RollingUpdate (rollingUpdate in update.go). Without surge: delete old pods
 * while fewer than maxUnavailable nodes lack an available pod (old pods that are unavailable
 * anyway go at once). With surge: start new pods beside available old ones on up to maxSurge
 * nodes, and delete each old pod once the new one beside it is available.
 */
export function planRollingUpdate(
  shouldRun: string[],
  podsByNode: Map<string, KubeObject[]>,
  o: { maxSurge: number; maxUnavailable: number; isUpdated: (p: Pod) => boolean; minReadySeconds: number; now: Date },
): RollingPlan {
  const nodes = new Set<string>([...shouldRun, ...podsByNode.keys()]);
  const available = (p: Pod) => isPodAvailable(p, o.minReadySeconds, o.now);
  const order = [...nodes].sort();
  if (o.maxSurge === 0) {
    let unavailable = 0;
    const replaceNow: KubeObject[] = [];
    const candidates: KubeObject[] = [];
    for (const node of order) {
      const found = updatedPodsOnNode(podsByNode.get(node) ?? [], o.isUpdated);
      if (!found) {
        unavailable++;
        continue;
      }
      const { newPod, oldPod } = found;
      if ((!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) replaceNow.push(oldPod!);
      else if (unavailable < o.maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(o.maxUnavailable - unavailable, 0), candidates.length);
    return { delete: [...replaceNow, ...candidates.slice(0, room)], create: [] };
  }
  let surging = 0;
  const toDelete: KubeObject[] = [];
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  for (const node of order) {
    const found = updatedPodsOnNode(podsByNode.get(node) ?? [], o.isUpdated);
    if (!found) continue;
    const { newPod, oldPod } = found;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) allowedNew.push(node);
      else if (surging < o.maxSurge) candidateNew.push(node);
      continue;
    }
    if (!available(newPod)) {
      surging++;
      continue;
    }
    toDelete.push(oldPod);
  }
  const room = Math.min(Math.max(o.maxSurge - surging, 0), candidateNew.length);
  return { delete: toDelete, create: [...allowedNew, ...candidateNew.slice(0, room)] };
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: DaemonSetCondition[];
}

/** updateDaemonSetStatus: counts judged on each node's first pod (scheduled, oldest). */
export function daemonSetStatus(ds: KubeObject, nodes: NodeView[], podsByNode: Map<string, Pod[]>, o: { isUpdated: (p: Pod) => boolean; now: Date; collisionCount?: number }): { status: DaemonSetStatus; recheckMs?: number } {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let desired = 0, current = 0, misscheduled = 0, ready = 0, availableCount = 0, updated = 0;
  let recheckMs: number | undefined;
  for (const node of nodes) {
    const pods = podsByNode.get(node.name) ?? [];
    if (!node.shouldRun) {
      if (pods.length) misscheduled++;
      continue;
    }
    desired++;
    if (!pods.length) continue;
    current++;
    const pod = [...pods].sort(compareDaemonPods)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, o.now)) availableCount++;
      else {
        const since = Date.parse((pod.status?.conditions ?? []).find((c) => c.type === "Ready")?.lastTransitionTime ?? "");
        const left = since + minReady * 1000 - o.now.getTime();
        if (Number.isFinite(left) && left > 0) recheckMs = Math.min(recheckMs ?? left, left);
      }
    }
    if (o.isUpdated(pod)) updated++;
  }
  const status: DaemonSetStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
  };
  if (ds.metadata.generation) status.observedGeneration = ds.metadata.generation;
  if (updated) status.updatedNumberScheduled = updated;
  if (availableCount) status.numberAvailable = availableCount;
  if (desired - availableCount) status.numberUnavailable = desired - availableCount;
  if (o.collisionCount) status.collisionCount = o.collisionCount;
  if (ds.status?.conditions?.length) status.conditions = ds.status.conditions;
  return { status, recheckMs };
}

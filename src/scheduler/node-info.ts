/**
 * NodeInfo upkeep: a node's allocatable, taints and labels, and the running sums of the pods
 * placed on it. The cache adds and removes pods one at a time, so nothing is ever rebuilt
 * from all pods; `buildNodeInfo` is the same arithmetic in one go, for tests.
 */
import type { KubeObject } from "../model/object.ts";
import type { Node } from "../model/kinds.ts";
import { Quantity } from "../model/quantity.ts";
import { hasAffinity, podInfoOf } from "./pod-info.ts";
import type { NodeInfo, PodInfo } from "./types.ts";

function amount(v: unknown, milli: boolean): number {
  if (v === undefined || v === null) return 0;
  try {
    const q = Quantity.parse(String(v));
    return Number(milli ? q.milli() : q.value());
  } catch {
    return 0;
  }
}

export function emptyNodeInfo(name: string): NodeInfo {
  return {
    name,
    node: undefined,
    labels: {},
    taints: [],
    pods: [],
    podsWithAffinity: [],
    podsWithRequiredAntiAffinity: [],
    allocatable: { cpu: 0, memory: 0, pods: 0 },
    requested: { cpu: 0, memory: 0, pods: 0 },
    nonZeroRequested: { cpu: 0, memory: 0 },
    hostPorts: [],
  };
}

export function setNode(info: NodeInfo, node: Node | undefined): void {
  info.node = node;
  info.labels = node?.metadata.labels ?? {};
  info.taints = Array.isArray(node?.spec?.taints) ? node.spec.taints : [];
  const alloc = node?.status?.allocatable ?? node?.status?.capacity ?? {};
  info.allocatable = { cpu: amount(alloc.cpu, true), memory: amount(alloc.memory, false), pods: alloc.pods === undefined ? 110 : amount(alloc.pods, false) };
}

export function addPod(info: NodeInfo, p: PodInfo): void {
  info.pods.push(p);
  if (hasAffinity(p)) info.podsWithAffinity.push(p);
  if (p.requiredAntiAffinity.length) info.podsWithRequiredAntiAffinity.push(p);
  info.requested.cpu += p.requests.cpu;
  info.requested.memory += p.requests.memory;
  info.requested.pods += 1;
  info.nonZeroRequested.cpu += p.nonZero.cpu;
  info.nonZeroRequested.memory += p.nonZero.memory;
  for (const hp of p.hostPorts) info.hostPorts.push(hp);
}

const without = <T>(list: T[], x: T) => {
  const i = list.indexOf(x);
  if (i >= 0) list.splice(i, 1);
};

/** Removes exactly the PodInfo that was added (the cache keeps it), undoing its sums. */
export function removePod(info: NodeInfo, p: PodInfo): void {
  const i = info.pods.indexOf(p);
  if (i < 0) return;
  info.pods.splice(i, 1);
  without(info.podsWithAffinity, p);
  without(info.podsWithRequiredAntiAffinity, p);
  info.requested.cpu -= p.requests.cpu;
  info.requested.memory -= p.requests.memory;
  info.requested.pods -= 1;
  info.nonZeroRequested.cpu -= p.nonZero.cpu;
  info.nonZeroRequested.memory -= p.nonZero.memory;
  for (const hp of p.hostPorts) without(info.hostPorts, hp);
}

/** A NodeInfo whose pod lists and sums can change without touching the cache's (pods are shared). */
export function copyNodeInfo(info: NodeInfo): NodeInfo {
  return {
    ...info,
    pods: [...info.pods],
    podsWithAffinity: [...info.podsWithAffinity],
    podsWithRequiredAntiAffinity: [...info.podsWithRequiredAntiAffinity],
    requested: { ...info.requested },
    nonZeroRequested: { ...info.nonZeroRequested },
    hostPorts: [...info.hostPorts],
  };
}

export function buildNodeInfo(node: Node, pods: (KubeObject | PodInfo)[] = []): NodeInfo {
  const info = emptyNodeInfo(node.metadata.name!);
  setNode(info, node);
  for (const p of pods) addPod(info, "key" in p && "requests" in p ? (p as PodInfo) : podInfoOf(p as KubeObject));
  return info;
}

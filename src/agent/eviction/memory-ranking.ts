/**
 * Which pod the kubelet evicts when the node runs short of memory, and what it tells it
 * (pkg/kubelet/eviction: rankMemoryPressure, evictionMessage): first the pods using more
 * memory than they requested, then the lower priority, then the larger use over the request.
 * Critical pods (priority of the system classes) are never evicted.
 */
import type { KubeObject } from "../../model/object.ts";
import { parseQuantity, Quantity } from "../../model/quantity.ts";
import { podPriority, SYSTEM_CRITICAL_PRIORITY } from "../../model/priority-classes.ts";

export interface PodMemory {
  pod: KubeObject;
  /** Working set of each running container, by name; empty when the runtime gave none. */
  containers: Map<string, number>;
}

const bytes = (v: unknown): number => {
  try {
    return v === undefined || v === null ? 0 : Number(parseQuantity(String(v)).value());
  } catch {
    return 0;
  }
};

const requestOf = (c: any): number => bytes(c?.resources?.requests?.memory);
const usageOf = (p: PodMemory): number => [...p.containers.values()].reduce((a, b) => a + b, 0);
const requestedBy = (p: PodMemory): number => (p.pod.spec?.containers ?? []).reduce((a: number, c: any) => a + requestOf(c), 0);

/** The pods in the order they would be evicted; critical pods are left out. */
export function rankForMemoryEviction(pods: PodMemory[]): PodMemory[] {
  return pods
    .filter((p) => podPriority(p.pod) < SYSTEM_CRITICAL_PRIORITY)
    .map((p) => ({ p, over: usageOf(p) - requestedBy(p), priority: podPriority(p.pod) }))
    .sort((a, b) => Number(b.over > 0) - Number(a.over > 0) || a.priority - b.priority || b.over - a.over)
    .map((r) => r.p);
}

/** A byte count as Kubernetes prints a binary quantity (100Mi, 53248Ki). */
const binaryQuantity = (n: number): string => Quantity.fromValue(Math.max(0, Math.round(n)), "BinarySI").toString();

/** The Evicted status message, in the kubelet's words, naming the containers over their request. */
export function memoryEvictionMessage(p: PodMemory, thresholdBytes: number, availableBytes: number): string {
  let msg = `The node was low on resource: memory. Threshold quantity: ${binaryQuantity(thresholdBytes)}, available: ${binaryQuantity(Math.floor(availableBytes / 1024) * 1024)}. `;
  for (const c of p.pod.spec?.containers ?? []) {
    const used = p.containers.get(c.name);
    const requested = requestOf(c);
    if (used !== undefined && used > requested) msg += `Container ${c.name} was using ${binaryQuantity(Math.ceil(used / 1024) * 1024)}, request is ${binaryQuantity(requested)}, has larger consumption of memory. `;
  }
  return msg;
}

/**
 * A pod's QoS class, by Kubernetes' rules (ComputePodQOS): only cpu and memory count, zero
 * quantities count as unset, amounts are compared as quantities (`cpu: 1` equals `1000m`),
 * init containers count like the others. The API sets it at creation (status.qosClass); the
 * agent uses the same answer for the pod's cgroup tier and the containers' OOM scores.
 */
import { parseQuantity, type Quantity } from "./quantity.ts";

export type QosClass = "Guaranteed" | "Burstable" | "BestEffort";

const COMPUTE = ["cpu", "memory"] as const;

/** Positive amounts of cpu and memory in a resource list; garbage counts as unset. */
function positive(list: unknown): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (!list || typeof list !== "object" || Array.isArray(list)) return out;
  for (const name of COMPUTE) {
    const raw = (list as Record<string, unknown>)[name];
    if (typeof raw !== "string" && typeof raw !== "number") continue;
    let q: Quantity;
    try {
      q = parseQuantity(raw);
    } catch {
      continue;
    }
    if (q.nanos > 0n) out.set(name, q);
  }
  return out;
}

function addInto(sum: Map<string, Quantity>, more: Map<string, Quantity>): void {
  for (const [name, q] of more) sum.set(name, sum.get(name)?.add(q) ?? q);
}

/** The QoS class of a pod spec (requests already defaulted from limits, as the API does). */
export function podQosClass(spec: unknown): QosClass {
  const s = (spec && typeof spec === "object" ? spec : {}) as Record<string, unknown>;
  const containers = [s.containers, s.initContainers].flatMap((l) => (Array.isArray(l) ? l : []));
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of containers) {
    const resources = (c && typeof c === "object" ? (c as any).resources : undefined) ?? {};
    addInto(requests, positive(resources.requests));
    const lim = positive(resources.limits);
    addInto(limits, lim);
    if (!COMPUTE.every((name) => lim.has(name))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || lim.cmp(req) !== 0) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

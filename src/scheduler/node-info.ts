/** Builds a NodeInfo from a Node and the pods bound to it (requests as Kubernetes computes them). */
import type { KubeObject } from "../model/object.ts";
import { Quantity } from "../model/quantity.ts";
import type { NodeInfo, Resources } from "./types.ts";

const q = (v: unknown) => (v === undefined || v === null ? 0n : Quantity.parse(String(v)).milli());

/**
 * A pod's effective request: the sum over its containers, or the largest init container if that
 * is bigger (init containers run one at a time, before the others), plus pod overhead.
 */
export function podRequests(pod: KubeObject): Resources {
  const sum = (list: any[] | undefined) => {
    let cpu = 0n;
    let memory = 0n;
    for (const c of list ?? []) {
      cpu += q(c?.resources?.requests?.cpu);
      memory += q(c?.resources?.requests?.memory) / 1000n;
    }
    return { cpu, memory };
  };
  const main = sum(pod.spec?.containers);
  for (const c of pod.spec?.initContainers ?? []) {
    const one = sum([c]);
    if (one.cpu > main.cpu) main.cpu = one.cpu;
    if (one.memory > main.memory) main.memory = one.memory;
  }
  const overhead = pod.spec?.overhead ?? {};
  return { cpu: main.cpu + q(overhead.cpu), memory: main.memory + q(overhead.memory) / 1000n, pods: 1 };
}

export function hostPortsOf(pod: KubeObject): string[] {
  const out: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c?.ports ?? []) if (p?.hostPort) out.push(`${p.protocol ?? "TCP"}/${p.hostIP ?? "0.0.0.0"}/${p.hostPort}`);
  }
  return out;
}

export function buildNodeInfo(node: KubeObject, pods: KubeObject[]): NodeInfo {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  const info: NodeInfo = {
    node,
    pods,
    allocatable: { cpu: q(alloc.cpu), memory: q(alloc.memory) / 1000n, pods: Number(alloc.pods ?? 110) },
    requested: { cpu: 0n, memory: 0n, pods: 0 },
    hostPorts: new Set(),
  };
  for (const p of pods) {
    const r = podRequests(p);
    info.requested.cpu += r.cpu;
    info.requested.memory += r.memory;
    info.requested.pods += 1;
    for (const hp of hostPortsOf(p)) info.hostPorts.add(hp);
  }
  return info;
}

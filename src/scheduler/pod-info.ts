/**
 * PodInfo: a pod's requests (as Kubernetes computes them, with and without the scoring
 * defaults), host ports and compiled affinity terms — computed once per pod version so the
 * per-node loops only compare numbers and sets.
 */
import type { Affinity, Container, Pod, PodAffinityTerm } from "../model/kinds.ts";
import { Quantity } from "../model/quantity.ts";
import { compileTerm, compileWeightedTerms } from "./affinity-term.ts";
import type { HostPort, PodInfo } from "./types.ts";

/** schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: what scoring assumes for a container that requests nothing. */
export const DEFAULT_MILLI_CPU = 100;
export const DEFAULT_MEMORY = 200 * 1024 * 1024;

function quantity(v: unknown, milli: boolean): number | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    const q = Quantity.parse(String(v));
    return Number(milli ? q.milli() : q.value());
  } catch {
    return undefined;
  }
}

interface Req {
  cpu: number;
  memory: number;
  nzCpu: number;
  nzMemory: number;
}

function containerRequests(c: Container | undefined): Req {
  const cpu = quantity(c?.resources?.requests?.cpu, true);
  const memory = quantity(c?.resources?.requests?.memory, false);
  return { cpu: cpu ?? 0, memory: memory ?? 0, nzCpu: cpu ?? DEFAULT_MILLI_CPU, nzMemory: memory ?? DEFAULT_MEMORY };
}

/**
 * A pod's effective request: the sum over its containers, or the largest init container if
 * that is bigger (init containers run one at a time, before the others), plus pod overhead.
 */
export function podRequests(pod: Pod): Req {
  const total: Req = { cpu: 0, memory: 0, nzCpu: 0, nzMemory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c);
    total.cpu += r.cpu;
    total.memory += r.memory;
    total.nzCpu += r.nzCpu;
    total.nzMemory += r.nzMemory;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    total.cpu = Math.max(total.cpu, r.cpu);
    total.memory = Math.max(total.memory, r.memory);
    total.nzCpu = Math.max(total.nzCpu, r.nzCpu);
    total.nzMemory = Math.max(total.nzMemory, r.nzMemory);
  }
  const oCpu = quantity(pod.spec?.overhead?.cpu, true) ?? 0;
  const oMem = quantity(pod.spec?.overhead?.memory, false) ?? 0;
  return { cpu: total.cpu + oCpu, memory: total.memory + oMem, nzCpu: total.nzCpu + oCpu, nzMemory: total.nzMemory + oMem };
}

export function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c?.ports ?? []) if (p?.hostPort) out.push({ protocol: p.protocol ?? "TCP", ip: p.hostIP || "0.0.0.0", port: Number(p.hostPort) });
  }
  return out;
}

export function podInfoOf(pod: Pod): PodInfo {
  const namespace = pod.metadata.namespace ?? "";
  const labels = pod.metadata.labels ?? {};
  const r = podRequests(pod);
  const aff: Affinity = pod.spec?.affinity ?? {};
  const info: PodInfo = {
    pod,
    key: `${namespace}/${pod.metadata.name}`,
    namespace,
    labels,
    requests: { cpu: r.cpu, memory: r.memory },
    nonZero: { cpu: r.nzCpu, memory: r.nzMemory },
    hostPorts: hostPortsOf(pod),
    requiredAffinity: [],
    requiredAntiAffinity: [],
    preferredAffinity: [],
    preferredAntiAffinity: [],
  };
  const req = (x: PodAffinityTerm[] | undefined) => (Array.isArray(x) ? x.map((t) => compileTerm(t, namespace, labels)) : []);
  info.requiredAffinity = req(aff.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
  info.requiredAntiAffinity = req(aff.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
  info.preferredAffinity = compileWeightedTerms(aff.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, namespace, labels);
  info.preferredAntiAffinity = compileWeightedTerms(aff.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, namespace, labels);
  return info;
}

export function hasAffinity(p: PodInfo): boolean {
  return p.requiredAffinity.length > 0 || p.requiredAntiAffinity.length > 0 || p.preferredAffinity.length > 0 || p.preferredAntiAffinity.length > 0;
}

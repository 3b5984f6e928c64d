/**
 * Container and pod usage from the CRI (ListContainerStats; ListPodSandboxStats where it works), which
 * containerd reads from each container's cgroup: cumulative CPU (`usageCoreNanoSeconds`) and
 * the memory working set (usage less inactive file pages, v1 or v2 alike). Start times come
 * from ContainerStatus, asked once per container id — a run's start never changes.
 *
 * Only containers the agent created (those carrying the io.kubernetes.* labels) and that run
 * now (containerd gives exited ones no CPU reading) are reported, one per pod and name: the
 * newest run when a restart leaves two.
 */
import type { ContainerUsagePoint, PodUsagePoint } from "../../resource-metrics/types.ts";
import type { UsageStats } from "../runtime/types.ts";
import { isCriError } from "./cri-error.ts";
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from "./pod-config.ts";
import { log } from "../../log.ts";

export type RuntimeCall = (method: string, request: object) => Promise<any>;

/** CRI UInt64Value / int64 as the proto loader hands them over (decimal strings). */
const num = (v: unknown): number | undefined => (v === null || v === undefined || v === "" ? undefined : Number(v));
const nsToMs = (ns: unknown): number | undefined => {
  const n = num(ns);
  return n ? Math.floor(n / 1e6) : undefined;
};

/** Pure: CRI ContainerStats (as decoded) → usage points; `startedAt` gives a container's start in unix seconds. */
export function containerUsageFromCri(stats: any[], startedAt: (id: string) => number | undefined, nowMs: number): ContainerUsagePoint[] {
  const out = new Map<string, ContainerUsagePoint>();
  for (const s of stats) {
    const labels: Record<string, string> = s.attributes?.labels ?? {};
    const namespace = labels[LABEL_POD_NAMESPACE];
    const pod = labels[LABEL_POD_NAME];
    const container = labels[LABEL_CONTAINER_NAME] ?? s.attributes?.metadata?.name;
    const cpuNanos = num(s.cpu?.usageCoreNanoSeconds?.value);
    const memory = num(s.memory?.workingSetBytes?.value);
    if (!namespace || !pod || !container || cpuNanos === undefined || memory === undefined) continue;
    const point: ContainerUsagePoint = {
      namespace, pod, container,
      cpuCoreSeconds: cpuNanos / 1e9,
      memoryWorkingSetBytes: memory,
      timestampMs: nsToMs(s.cpu?.timestamp) ?? nsToMs(s.memory?.timestamp) ?? nowMs,
    };
    const start = startedAt(s.attributes.id);
    if (start !== undefined) point.startTimeSeconds = start;
    const key = `${namespace}/${pod}/${container}`;
    const seen = out.get(key);
    if (!seen || (point.startTimeSeconds ?? 0) > (seen.startTimeSeconds ?? 0)) out.set(key, point);
  }
  return [...out.values()];
}

/** Pure: CRI PodSandboxStats → pod usage points (the pod cgroup, pause container included, as the kubelet reports). */
export function podUsageFromCri(stats: any[], nowMs: number): PodUsagePoint[] {
  const out: PodUsagePoint[] = [];
  for (const s of stats) {
    const meta = s.attributes?.metadata;
    const cpuNanos = num(s.linux?.cpu?.usageCoreNanoSeconds?.value);
    const memory = num(s.linux?.memory?.workingSetBytes?.value);
    if (!meta?.namespace || !meta?.name || cpuNanos === undefined || memory === undefined) continue;
    out.push({
      namespace: meta.namespace, pod: meta.name, cpuCoreSeconds: cpuNanos / 1e9, memoryWorkingSetBytes: memory,
      timestampMs: nsToMs(s.linux.cpu?.timestamp) ?? nowMs,
    });
  }
  return out;
}

export class CriStatsReader {
  /** Container id → start, unix seconds. */
  private readonly started = new Map<string, number>();
  /** containerd before 1.6 lacks the sandbox stats calls; asked once, then left alone. */
  private sandboxStats = true;

  constructor(
    private readonly call: RuntimeCall,
    private readonly now: () => number = Date.now,
  ) {}

  async read(): Promise<UsageStats> {
    const { stats } = await this.call("ListContainerStats", {});
    const running = (stats ?? []).filter((s: any) => s.cpu?.usageCoreNanoSeconds && s.attributes?.id);
    for (const s of running) {
      const id: string = s.attributes.id;
      if (this.started.has(id)) continue;
      try {
        const st = await this.call("ContainerStatus", { containerId: id });
        const ns = num(st.status?.startedAt);
        if (ns) this.started.set(id, ns / 1e9);
      } catch (e) {
        if (!isCriError(e, "NOT_FOUND")) throw e;
      }
    }
    const live = new Set(running.map((s: any) => s.attributes.id as string));
    for (const id of this.started.keys()) if (!live.has(id)) this.started.delete(id);
    const now = this.now();
    const result: UsageStats = { containers: containerUsageFromCri(running, (id) => this.started.get(id), now) };
    if (this.sandboxStats) {
      // Pod figures are extras (metrics-server reads containers); their failure must not cost
      // the containers'. containerd 1.6 refuses the whole call when any sandbox was made
      // without a cgroup parent ("cgroupPath is empty"), which is how the agent makes them.
      try {
        const r = await this.call("ListPodSandboxStats", {});
        result.pods = podUsageFromCri(r.stats ?? [], now);
      } catch (e) {
        if (isCriError(e, "UNIMPLEMENTED")) this.sandboxStats = false;
        else log.debug("agent: pod sandbox stats unavailable", { error: String(e) });
      }
    }
    return result;
  }
}

/**
 * The kubelet's eviction manager, for memory: at each check, when the node's available memory
 * is under the hard threshold (100Mi by default), one pod is evicted — the first of
 * memory-ranking.ts's order — and the next check waits until that pod has been stopped and
 * reported, as the kubelet waits for its victim's cleanup. Evicting makes room before the
 * kernel's OOM killer has to pick a process itself, which could be the agent or the server.
 *
 * Disk and PID pressure are reported as node conditions (pressure.ts) but evict nothing:
 * the kubelet first reclaims images and dead containers there, which the agent does not yet.
 */
import type { KubeObject } from "../../model/object.ts";
import type { UsageStats } from "../runtime/types.ts";
import type { HostReadings } from "../node/pressure.ts";
import { memoryEvictionMessage, rankForMemoryEviction, type PodMemory } from "./memory-ranking.ts";
import { log } from "../../log.ts";

export interface EvictionDeps {
  readings: () => HostReadings;
  /** The node's pods that run or may still run (not finished, not being deleted). */
  pods: () => KubeObject[];
  usage?: () => Promise<UsageStats>;
  /** Stops the pod at once and reports it Failed/Evicted; resolves once that is done. */
  evict: (pod: KubeObject, message: string) => Promise<void>;
  /** The memory.available threshold in bytes (100Mi unless `eviction-hard` says otherwise); none = no eviction. */
  thresholdBytes?: number;
}

export class EvictionManager {
  private nothingToEvictTold = false;

  constructor(private readonly d: EvictionDeps) {}

  /** One look at the node; returns the pod evicted now, if any. */
  async check(): Promise<KubeObject | undefined> {
    const threshold = this.d.thresholdBytes;
    const available = this.d.readings().memAvailableBytes;
    if (threshold === undefined) return undefined;
    if (available === undefined || available >= threshold) {
      this.nothingToEvictTold = false;
      return undefined;
    }
    const stats = await this.d.usage?.().catch(() => undefined);
    const byPod = new Map<string, Map<string, number>>();
    for (const c of stats?.containers ?? []) {
      const key = `${c.namespace}/${c.pod}`;
      (byPod.get(key) ?? byPod.set(key, new Map()).get(key)!).set(c.container, c.memoryWorkingSetBytes);
    }
    const candidates: PodMemory[] = this.d.pods().map((pod) => ({ pod, containers: byPod.get(`${pod.metadata.namespace}/${pod.metadata.name}`) ?? new Map() }));
    const victim = rankForMemoryEviction(candidates)[0];
    if (!victim) {
      if (!this.nothingToEvictTold) log.warn("agent: the node is low on memory and has no pod to evict", { availableBytes: available });
      this.nothingToEvictTold = true;
      return undefined;
    }
    const message = memoryEvictionMessage(victim, threshold, available);
    log.warn("agent: evicting a pod, the node is low on memory", { pod: `${victim.pod.metadata.namespace}/${victim.pod.metadata.name}`, availableBytes: available, thresholdBytes: threshold });
    // Awaited: the next check comes only once this pod is stopped and reported (the loop is serial).
    await this.d.evict(victim.pod, message);
    return victim.pod;
  }
}

/**
 * The pod garbage collector: force-deletes pods no kubelet will ever finish — those bound to
 * a node that no longer exists (after a quarantine, in case the node is only re-registering)
 * and those being deleted that were never scheduled. A pod that had not finished is marked
 * Failed with a DisruptionTarget condition first, so its Job counts it.
 *
 * And, every 20 s, the finished pods beyond --terminated-pod-gc-threshold (12500), oldest
 * first: evicted and completed pods would otherwise stay forever, and the server holds every
 * object in memory.
 */
import type { Node, Pod } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { PODS_BY_NODE, podsByNode } from "../framework/pods-by-node.ts";
import { setDisruptionTarget } from "../framework/pod-util.ts";

/** The queue key of the count of finished pods (not a pod's namespace/name: it has no slash). */
const TERMINATED = "(terminated pods)";
const DEFAULT_TERMINATED_THRESHOLD = 12_500;
const DEFAULT_PERIOD_MS = 20_000;

const finished = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

export class PodGarbageCollector implements Controller {
  readonly name = "pod-garbage-collector";
  readonly workers = 2;
  private ctx!: ControllerContext;
  private nodes!: SharedInformer<Node>;
  private pods!: SharedInformer;
  /** When each pod was first seen bound to a missing node. */
  private readonly orphanedSince = new Map<string, number>();

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.nodes = ctx.informer("", "nodes");
    this.pods = podsByNode(ctx);
    await Promise.all([this.nodes.start(ctx.signal), this.pods.start(ctx.signal)]);
    // Handlers after both caches are full: a missing node then really is missing.
    this.nodes.addHandler({
      onDelete: (node) => {
        for (const p of this.pods.byIndex(PODS_BY_NODE, node.metadata.name!)) queue.add(keyOf(p));
      },
    });
    this.pods.addHandler({
      onChange: (pod) => {
        const node = pod.spec?.nodeName;
        if ((node && !this.nodes.get(node)) || (!node && pod.metadata.deletionTimestamp)) queue.add(keyOf(pod));
      },
      onDelete: (pod) => this.orphanedSince.delete(keyOf(pod)),
    });
    if (this.threshold() > 0) {
      const timer = setInterval(() => queue.add(TERMINATED), ctx.settings.podGcPeriodMs ?? DEFAULT_PERIOD_MS);
      ctx.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
    }
  }

  private threshold(): number {
    return this.ctx.settings.terminatedPodGcThreshold ?? DEFAULT_TERMINATED_THRESHOLD;
  }

  /** Deletes the oldest finished pods beyond the threshold (gcTerminated). */
  private async collectFinished(): Promise<void> {
    const done: Pod[] = [];
    for (const p of this.pods.cache.values()) if (finished(p as Pod) && !p.metadata.deletionTimestamp) done.push(p as Pod);
    const excess = done.length - this.threshold();
    if (excess <= 0) return;
    done.sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? "") - Date.parse(b.metadata.creationTimestamp ?? "") || (a.metadata.name! < b.metadata.name! ? -1 : 1));
    for (const p of done.slice(0, excess)) await this.forceDelete(p, "PodGC: too many finished pods");
  }

  async reconcile(key: string): Promise<number | void> {
    if (key === TERMINATED) return this.collectFinished();
    const pod = this.pods.get(key);
    if (!pod) {
      this.orphanedSince.delete(key);
      return;
    }
    const node = pod.spec?.nodeName;
    if (!node) {
      if (pod.metadata.deletionTimestamp) await this.forceDelete(pod, "PodGC: pod was never scheduled");
      return;
    }
    if (this.nodes.get(node)) {
      this.orphanedSince.delete(key);
      return;
    }
    const now = this.ctx.now().getTime();
    const since = this.orphanedSince.get(key) ?? this.orphanedSince.set(key, now).get(key)!;
    const wait = since + this.ctx.settings.orphanPodQuarantineMs - now;
    if (wait > 0) return wait;
    this.orphanedSince.delete(key);
    await this.forceDelete(pod, "PodGC: node no longer exists");
  }

  private async forceDelete(pod: Pod, message: string): Promise<void> {
    const { namespace, name } = splitKey(keyOf(pod));
    try {
      const phase = pod.status?.phase;
      if (phase !== "Succeeded" && phase !== "Failed") {
        await this.ctx.storage.update(this.pods.def, namespace, name, (cur) => {
          if (cur.metadata.uid !== pod.metadata.uid) return cur;
          setDisruptionTarget(cur, "DeletionByPodGC", message, this.ctx.now());
          cur.status.phase = "Failed";
          return cur;
        }, { subresource: "status" });
      }
      await this.ctx.storage.delete(this.pods.def, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
    }
  }
}

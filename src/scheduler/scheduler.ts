/**
 * The scheduler controller: watches pods without a node and the nodes, decides with
 * scheduleOne (pure), and binds through the same rule as `pods/binding`. A pod that fits
 * nowhere gets PodScheduled=False/Unschedulable and a FailedScheduling Event saying why, and
 * is retried when a node changes (and on a slow timer, for changes it cannot see).
 */
import type { KubeObject } from "../model/object.ts";
import { nowTimestamp } from "../model/object.ts";
import { isStatusError } from "../model/errors.ts";
import { bindPod } from "../api/storage/bind-pod.ts";
import type { ControllerContext } from "../controllers/framework/context.ts";
import { keyOf } from "../controllers/framework/shared-informer.ts";
import { WorkQueue } from "../controllers/work-queue.ts";
import { buildNodeInfo } from "./node-info.ts";
import { scheduleOne } from "./schedule-one.ts";
import { PROFILES } from "./plugins/index.ts";
import { log } from "../log.ts";

export interface SchedulerDeps {
  ctx: ControllerContext;
  profile?: string;
  /** Retry period for unschedulable pods when nothing wakes them earlier. */
  retryMs?: number;
}

const SCHEDULER_NAME = "default-scheduler";

function pending(pod: KubeObject): boolean {
  return !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && (pod.spec?.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME &&
    pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

export async function startScheduler(deps: SchedulerDeps): Promise<void> {
  const { storage, signal } = deps.ctx;
  const eventDef = deps.ctx.def("", "events");
  const profile = PROFILES[deps.profile ?? "default"] ?? PROFILES.default!;
  const queue = new WorkQueue({ signal, baseDelayMs: 100, maxDelayMs: 30_000 });
  const unschedulable = new Set<string>();

  const pods = deps.ctx.informer("", "pods");
  const podDef = pods.def;
  pods.addHandler({
    onChange: (pod) => void (pending(pod) && queue.add(keyOf(pod))),
    onDelete: (pod) => void unschedulable.delete(keyOf(pod)),
  });
  const wakeAll = () => {
    for (const key of unschedulable) queue.add(key);
  };
  const nodes = deps.ctx.informer("", "nodes");
  nodes.addHandler({ onChange: wakeAll, onDelete: wakeAll });
  await Promise.all([nodes.start(signal), pods.start(signal)]);
  // A pod that leaves a node frees room there, too.
  const retry = setInterval(wakeAll, deps.retryMs ?? 15_000);
  signal.addEventListener("abort", () => clearInterval(retry), { once: true });

  async function reconcile(key: string): Promise<void> {
    const pod = pods.cache.get(key);
    if (!pod || !pending(pod)) {
      unschedulable.delete(key);
      return;
    }
    const byNode = new Map<string, KubeObject[]>();
    for (const p of pods.cache.values()) {
      const n = p.spec?.nodeName;
      if (n && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed") (byNode.get(n) ?? byNode.set(n, []).get(n)!).push(p);
    }
    const infos = [...nodes.cache.values()].map((n) => buildNodeInfo(n, byNode.get(n.metadata.name!) ?? []));
    const decision = scheduleOne(pod, infos, profile);
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    if ("node" in decision) {
      unschedulable.delete(key);
      try {
        // The store publishes the binding to the informer before this resolves, so the next
        // pod in the queue already sees the node's new load.
        await bindPod(storage, podDef, ns, name, { node: decision.node, uid: pod.metadata.uid });
        await recordEvent(pod, "Normal", "Scheduled", `Successfully assigned ${ns}/${name} to ${decision.node}`);
      } catch (e) {
        if (isStatusError(e, "NotFound") || isStatusError(e, "Conflict")) return;
        throw e;
      }
      return;
    }
    unschedulable.add(key);
    const message = decision.unschedulable;
    const cond = (pod.status?.conditions ?? []).find((c: any) => c.type === "PodScheduled");
    if (cond?.message !== message) {
      await storage.update(podDef, ns, name, (cur) => {
        cur.status ??= {};
        cur.status.conditions = [
          ...(cur.status.conditions ?? []).filter((c: any) => c.type !== "PodScheduled"),
          { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastProbeTime: null, lastTransitionTime: nowTimestamp() },
        ];
        return cur;
      }, { subresource: "status" }).catch((e) => {
        if (!isStatusError(e, "NotFound")) throw e;
      });
      await recordEvent(pod, "Warning", "FailedScheduling", message);
    }
  }

  async function recordEvent(pod: KubeObject, type: string, reason: string, message: string): Promise<void> {
    const ns = pod.metadata.namespace!;
    const name = `${pod.metadata.name}.${reason.toLowerCase()}`;
    const now = nowTimestamp();
    await storage
      .update(eventDef, ns, name, (cur) => ({
        apiVersion: "v1",
        kind: "Event",
        metadata: { ...cur.metadata, name, namespace: ns },
        involvedObject: { apiVersion: "v1", kind: "Pod", namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion },
        reason,
        message,
        type,
        source: { component: SCHEDULER_NAME },
        reportingComponent: SCHEDULER_NAME,
        firstTimestamp: cur.firstTimestamp ?? now,
        lastTimestamp: now,
        count: (cur.count ?? 0) + 1,
      }), { createIfMissing: true })
      .catch((e) => log.warn("recording an event failed", { reason, pod: `${ns}/${pod.metadata.name}`, error: String(e) }));
  }

  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      await reconcile(key);
      queue.forget(key);
    } catch (e) {
      if (!signal.aborted) log.warn("scheduling failed", { pod: key, error: String(e) });
      queue.requeueRateLimited(key);
    } finally {
      queue.done(key);
    }
  }
}

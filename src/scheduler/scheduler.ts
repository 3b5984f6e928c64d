/**
 * The scheduler loop: pods without a node come off a queue one at a time; each is decided by
 * scheduleOne (pure) against the incrementally kept SchedulerCache, assumed onto its node at
 * once, and bound through the same rule as `pods/binding` while the next pod is decided (a
 * few binds in flight). A pod that fits nowhere gets PodScheduled=False/Unschedulable and a
 * FailedScheduling Event saying why, and is retried when something that could help happens:
 * a node appears or changes what it offers, a bound pod goes away, or — for pods waiting on
 * pod affinity or spread — a pod is bound; a claim, volume or storage class changes; and on
 * a slow timer, for what it cannot see. Before a bind, claims that wait for their first
 * consumer are told the node (PreBind), which starts their provisioning there.
 */
import type { KubeObject } from "../model/object.ts";
import type { Node, Pod } from "../model/kinds.ts";
import { nowTimestamp } from "../model/object.ts";
import { isStatusError } from "../model/errors.ts";
import type { Requirement } from "../model/label-selector.ts";
import { bindPod } from "../api/storage/bind-pod.ts";
import type { ControllerContext } from "../controllers/framework/context.ts";
import type { SharedInformer } from "../controllers/framework/informer-factory.ts";
import { keyOf } from "../client/object-key.ts";
import { WorkQueue } from "../client/work-queue.ts";
import { SchedulerCache } from "./cache.ts";
import { podInfoOf } from "./pod-info.ts";
import { scheduleOne } from "./schedule-one.ts";
import { compileSelector, selectorFromSet, selectorMatches } from "./selector.ts";
import { PROFILES } from "./plugins/index.ts";
import { preBindClaims } from "./pre-bind-claims.ts";
import { unreadablePodMessage } from "../model/pod-shape.ts";
import { repairedSpecProblems, shapeProblemText } from "../api/openapi/stored-shape.ts";
import { controllerRefOf } from "../model/owner-references.ts";
import type { PodInfo, Selector, Snapshot } from "./types.ts";
import { log } from "../log.ts";
import { podMayPreempt, podPriority } from "../model/priority-classes.ts";
import { planPreemption } from "./preemption.ts";
import { preemptVictims } from "./preempt-victims.ts";

export interface SchedulerDeps {
  ctx: ControllerContext;
  /** "default" (least-allocated) or "binpack" (most-allocated). */
  profile?: string;
  /** Retry period for unschedulable pods when nothing wakes them earlier. */
  retryMs?: number;
  /** percentageOfNodesToScore; 0 (default) = adaptive, as Kubernetes. */
  percentageOfNodesToScore?: number;
  /** Binds running at once while the loop goes on deciding. */
  maxBindsInFlight?: number;
}

export const SCHEDULER_NAME = "default-scheduler";
const NO_NODES = "no nodes available to schedule pods";
/**
 * Binds run at once (kube-scheduler gives each its own goroutine, bounded only by the client's
 * QPS). Each waits for a store commit, and the store commits everything queued in one
 * transaction, so a commit carries as many binds as are in flight: with the API serving HTTPS
 * on the same thread a commit round takes milliseconds, and 16 in flight capped binding near
 * 16 per round.
 */
const DEFAULT_BINDS_IN_FLIGHT = 256;
/**
 * Hand the event loop back this often while a long queue is worked through (the API shares the
 * thread). A turn of a saturated loop serves hundreds of requests before the scheduler runs
 * again, so the slice sets the scheduler's share: measured with 10,000 pods created at once on
 * 1,000 hollow nodes over HTTPS, 20 ms left pods waiting 26 s (p50) to be scheduled while
 * creates went on; 50 ms, 4 s — creates answered slower (p50 285 → 420 ms) and pods were
 * Running sooner (p50 29 → 14 s).
 */
const YIELD_EVERY_MS = 50;

function pending(pod: Pod): boolean {
  return !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && (pod.spec?.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME &&
    !((pod.spec?.schedulingGates?.length ?? 0) > 0) && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** A pod's conditions, read from a status that may have been stored with the wrong shape. */
const conditionsOf = (status: unknown): Record<string, unknown>[] => (isMap(status) && Array.isArray(status.conditions) ? status.conditions.filter(isMap) : []);

/**
 * Why a pod cannot be read: what the informer left out of its cached copy (the schema's
 * word), else what the pod check finds in the copy itself (missing containers and names).
 */
function unreadableMessage(pod: Pod): string | undefined {
  const repaired = repairedSpecProblems(pod);
  if (repaired) return repaired.slice(0, 3).map(shapeProblemText).join(", ") + (repaired.length > 3 ? ", …" : "");
  return unreadablePodMessage(pod);
}

const finished = (pod: Pod | undefined) => pod?.status?.phase === "Succeeded" || pod?.status?.phase === "Failed";

/** A pod waiting on other pods (affinity, hard spreading) may fit once another pod is bound. */
const waitsOnPods = (p: PodInfo) => p.requiredAffinity.length > 0 || (p.pod.spec?.topologySpreadConstraints ?? []).some((c) => c?.whenUnsatisfiable === "DoNotSchedule");

/** Whether a node update changes what the scheduler sees (status heartbeats do not). */
function nodeChanged(a: KubeObject, b: KubeObject): boolean {
  const view = (n: KubeObject) => JSON.stringify([n.metadata.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable ?? n.status?.capacity]);
  return view(a) !== view(b);
}

const labelsChanged = (a: KubeObject, b: KubeObject) => JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {});
const podChanged = (a: KubeObject, b: KubeObject) => labelsChanged(a, b) || JSON.stringify(a.spec) !== JSON.stringify(b.spec);

function optionalInformer(ctx: ControllerContext, group: string, plural: string): SharedInformer | undefined {
  try {
    return ctx.informer(group, plural);
  } catch {
    return undefined;
  }
}

export async function startScheduler(deps: SchedulerDeps): Promise<void> {
  const { ctx } = deps;
  const { storage, signal } = ctx;
  const profile = PROFILES[deps.profile ?? "default"] ?? PROFILES.default!;
  const maxInFlight = Math.max(1, deps.maxBindsInFlight ?? DEFAULT_BINDS_IN_FLIGHT);
  // Pods of higher priority are decided first, as in the scheduler's active queue (PrioritySort).
  const queue = new WorkQueue({ signal, baseDelayMs: 100, maxDelayMs: 30_000, priority: (key) => {
    const pod = pods.cache.get(key);
    return pod ? podPriority(pod) : 0;
  } });
  const cache = new SchedulerCache();
  const unschedulable = new Set<string>();
  const waitingOnPods = new Set<string>();
  const wakeAll = () => {
    for (const key of unschedulable) queue.add(key);
  };
  const wakePodWaiters = () => {
    for (const key of waitingOnPods) queue.add(key);
  };

  const pods = ctx.informer<Pod>("", "pods");
  const podDef = pods.def;
  const nodes = ctx.informer<Node>("", "nodes");
  const namespaces = optionalInformer(ctx, "", "namespaces");
  const services = optionalInformer(ctx, "", "services");
  const claims = optionalInformer(ctx, "", "persistentvolumeclaims");
  const volumes = optionalInformer(ctx, "", "persistentvolumes");
  const classes = optionalInformer(ctx, "storage.k8s.io", "storageclasses");
  const budgets = optionalInformer(ctx, "policy", "poddisruptionbudgets");
  const owners: Record<string, SharedInformer | undefined> = {
    ReplicaSet: optionalInformer(ctx, "apps", "replicasets"),
    StatefulSet: optionalInformer(ctx, "apps", "statefulsets"),
    ReplicationController: optionalInformer(ctx, "", "replicationcontrollers"),
  };

  /** Pending pods that preempted, by the node they are nominated to: they hold their room there. */
  const nominated = new Map<string, Map<string, PodInfo>>();
  const noteNominated = (pod: Pod, gone = false) => {
    const key = keyOf(pod);
    const node = !gone && pending(pod) ? pod.status?.nominatedNodeName : undefined;
    for (const [n, m] of nominated) if (n !== node && m.delete(key) && m.size === 0) nominated.delete(n);
    if (!node) return;
    try {
      (nominated.get(node) ?? nominated.set(node, new Map()).get(node)!).set(key, podInfoOf(pod));
    } catch {
      // A pod that cannot be read holds nothing.
    }
  };

  pods.addHandler({
    onChange(pod, old) {
      if (pod.status?.nominatedNodeName || old?.status?.nominatedNodeName) noteNominated(pod);
      try {
        cache.updatePod(pod);
      } catch (e) {
        // A bound pod stored with a spec that cannot be read counts for nothing on its node; a pending one is told why below.
        log.warn("scheduler: a pod cannot be read", { pod: keyOf(pod), error: String(e) });
      }
      if (pending(pod)) {
        // A pod already found unschedulable is retried when its spec or labels change, not for status writes (our own included).
        const key = keyOf(pod);
        if (!old || !unschedulable.has(key) || podChanged(old, pod)) queue.add(key);
        return;
      }
      if (!pod.spec?.nodeName) return;
      if (finished(pod) && !finished(old)) wakeAll();
      else if (waitingOnPods.size && (!old?.spec?.nodeName || labelsChanged(old, pod))) wakePodWaiters();
    },
    onDelete(pod) {
      if (pod.status?.nominatedNodeName) noteNominated(pod, true);
      cache.removePod(pod);
      const key = keyOf(pod);
      unschedulable.delete(key);
      waitingOnPods.delete(key);
      if (pod.spec?.nodeName) wakeAll();
    },
  });
  nodes.addHandler({
    onChange(node, old) {
      cache.setNode(node);
      if (!old || nodeChanged(old, node)) wakeAll();
    },
    onDelete: (node) => cache.removeNode(node),
  });
  // A claim made, bound or provisioned, or a class added, may be what a waiting pod needs.
  const storageChanged = () => {
    if (unschedulable.size) wakeAll();
  };
  for (const inf of [claims, volumes, classes]) inf?.addHandler({ onChange: storageChanged, onDelete: storageChanged });
  await Promise.all([nodes, pods, namespaces, services, claims, volumes, classes, budgets, ...Object.values(owners)].map((i) => i?.start(signal)));
  const retry = setInterval(wakeAll, deps.retryMs ?? 15_000);
  signal.addEventListener("abort", () => clearInterval(retry), { once: true });

  /** helper.DefaultSelector: what services and the controlling owner select, for system-default spreading. */
  function defaultSpreadSelector(p: PodInfo): Selector | undefined {
    const set: Record<string, string> = {};
    for (const svc of services?.list(p.namespace) ?? []) {
      const sel = svc.spec?.selector;
      if (sel && typeof sel === "object" && selectorMatches(selectorFromSet(sel), p.labels)) Object.assign(set, sel);
    }
    const extra: Requirement[] = [];
    const ref = controllerRefOf(p.pod);
    const owner = ref ? owners[ref.kind]?.get(`${p.namespace}/${ref.name}`) : undefined;
    // An owner whose stored spec could not be read has lost its selector in the cache: it selects nothing here.
    if (ref && owner && owner.metadata.uid === ref.uid && !repairedSpecProblems(owner)) {
      if (ref.kind === "ReplicationController") Object.assign(set, owner.spec?.selector ?? {});
      else extra.push(...compileSelector(owner.spec?.selector).reqs);
    }
    const reqs = [...selectorFromSet(set).reqs, ...extra];
    return reqs.length ? { nothing: false, reqs } : undefined;
  }

  const snapshot: Snapshot = {
    get nodes() {
      return cache.nodes();
    },
    nodesWithAffinityPods: () => cache.nodesWithAffinityPods(),
    nodesWithRequiredAntiAffinityPods: () => cache.nodesWithRequiredAntiAffinityPods(),
    get: (name) => cache.nodeInfo(name),
    namespaceLabels: (ns) => namespaces?.get(ns)?.metadata.labels,
    defaultSpreadSelector,
    disruptionBudgets: (ns) => budgets?.list(ns) ?? [],
    // Asked for every node a pod is filtered on: nothing is allocated for nodes nobody is nominated to.
    nominatedPods: (node) => {
      const m = nominated.get(node);
      return m ? [...m.values()] : undefined;
    },
    storage: claims && volumes && classes
      ? {
          claim: (ns, name) => claims.get(`${ns}/${name}`),
          volume: (name) => volumes.get(name),
          volumes: () => volumes.cache.values(),
          storageClass: (name) => classes.get(name),
        }
      : undefined,
  };

  let inFlight = 0;
  const slotWaiters: (() => void)[] = [];
  const acquire = async () => {
    while (inFlight >= maxInFlight) await new Promise<void>((r) => slotWaiters.push(r));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    slotWaiters.shift()?.();
  };

  let nextStart = 0;

  /** Decides synchronously; what needs the API (bind, status) is returned as a job to run in a slot. */
  function attempt(key: string): (() => Promise<void>) | undefined {
    const pod = pods.cache.get(key);
    if (!pod || !pending(pod)) {
      unschedulable.delete(key);
      waitingOnPods.delete(key);
      return undefined;
    }
    if (cache.isAssumed(key)) return undefined;
    // A pod stored before validation with a spec that cannot be read waits, told why, until it is fixed or deleted.
    const unreadable = unreadableMessage(pod);
    if (unreadable !== undefined) return unschedulableJob(pod, key, `pod spec cannot be read: ${unreadable}`);
    const info = podInfoOf(pod);
    const all = cache.nodes().length;
    const decision = all ? scheduleOne(info, snapshot, profile, { start: nextStart, percentageOfNodesToScore: deps.percentageOfNodesToScore }) : { unschedulable: NO_NODES, evaluated: 0 };
    if (all) nextStart = (nextStart + decision.evaluated) % all;
    if ("node" in decision) {
      unschedulable.delete(key);
      waitingOnPods.delete(key);
      cache.assume(info, decision.node);
      return () => bind(pod, decision.node);
    }
    if (waitsOnPods(info)) waitingOnPods.add(key);
    // PostFilter: lower-priority pods may make room (DefaultPreemption).
    const plan = "diagnosis" in decision && podMayPreempt(pod) && !victimsLeaving(pod) ? planPreemption(info, snapshot, profile, decision.diagnosis) : undefined;
    if (plan) {
      unschedulable.add(key);
      return () => preemptVictims({ ctx, podDef, schedulerName: SCHEDULER_NAME, markUnschedulable }, pod, plan, decision.unschedulable);
    }
    return unschedulableJob(pod, key, decision.unschedulable);
  }

  /** The pod preempted pods on its nominated node that are still terminating: it waits for them, as kube-scheduler does. */
  function victimsLeaving(pod: Pod): boolean {
    const node = pod.status?.nominatedNodeName;
    const info = node ? cache.nodeInfo(node) : undefined;
    const priority = podPriority(pod);
    return !!info?.pods.some((p) => p.pod.metadata.deletionTimestamp && podPriority(p.pod) < priority);
  }

  function unschedulableJob(pod: Pod, key: string, message: string): (() => Promise<void>) | undefined {
    unschedulable.add(key);
    const cond = conditionsOf(pod.status).find((c) => c.type === "PodScheduled");
    if (cond?.status === "False" && cond?.message === message) return undefined;
    return () => markUnschedulable(pod, message);
  }

  async function bind(pod: Pod, node: string): Promise<void> {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    const key = `${ns}/${name}`;
    try {
      if (snapshot.storage && claims) await preBindClaims(storage, claims.def, pod, node, snapshot.storage);
      // The store publishes the binding to the informer before this resolves, which confirms the assumed pod.
      await bindPod(storage, podDef, ns, name, { node, uid: pod.metadata.uid });
    } catch (e) {
      cache.forget(key);
      if (isStatusError(e, "NotFound") || isStatusError(e, "Conflict")) queue.add(key);
      else {
        if (!signal.aborted) log.warn("binding failed", { pod: key, node, error: String(e) });
        queue.requeueRateLimited(key);
      }
      return;
    }
    // Told without holding the bind's slot (kube-scheduler's recorder is asynchronous too): the
    // Event is a second commit, and a slot waiting for it halved how many binds a commit carried.
    void ctx.events.record(pod, "Normal", "Scheduled", `Successfully assigned ${ns}/${name} to ${node}`, SCHEDULER_NAME);
  }

  async function markUnschedulable(pod: Pod, message: string, also?: (status: Record<string, unknown>) => void): Promise<void> {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    try {
      await storage.update(podDef, ns, name, (cur) => {
        if (cur.spec?.nodeName) return cur;
        const conditions = conditionsOf(cur.status);
        if (!isMap(cur.status)) cur.status = {};
        const prev = conditions.find((c) => c.type === "PodScheduled");
        cur.status.conditions = [
          ...conditions.filter((c) => c.type !== "PodScheduled"),
          { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastProbeTime: null, lastTransitionTime: prev?.status === "False" ? prev.lastTransitionTime : nowTimestamp() },
        ];
        also?.(cur.status);
        return cur;
      }, { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound") && !signal.aborted) log.warn("updating PodScheduled failed", { pod: `${ns}/${name}`, error: String(e) });
      return;
    }
    await ctx.events.record(pod, "Warning", "FailedScheduling", message, SCHEDULER_NAME);
  }

  let lastYield = performance.now();
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    let job: (() => Promise<void>) | undefined;
    try {
      job = attempt(key);
      queue.forget(key);
    } catch (e) {
      if (!signal.aborted) log.warn("scheduling failed", { pod: key, error: String(e) });
      queue.requeueRateLimited(key);
    } finally {
      queue.done(key);
    }
    if (job) {
      await acquire();
      void job()
        .catch((e) => log.warn("scheduler job failed", { pod: key, error: String(e) }))
        .finally(release);
    }
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      lastYield = performance.now();
    }
  }
}

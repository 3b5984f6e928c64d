/**
 * The DaemonSet controller: one pod per eligible node (nodeSelector, required node affinity,
 * taints against tolerations — the scheduler's own rules), each pinned to its node by node
 * affinity and bound by the scheduler; pods leave nodes that stop being eligible or go away;
 * RollingUpdate (maxUnavailable/maxSurge) or OnDelete between template revisions recorded as
 * ControllerRevisions; status counts that `kubectl rollout status daemonset/x` reads.
 *
 * Pods are found through the informer's owner index; a node change wakes every DaemonSet
 * (there are few DaemonSets, and each must look at the node anyway).
 */
import { assertReadable } from "../framework/readable.ts";
import type { KubeObject } from "../../model/object.ts";
import type { ControllerRevision, DaemonSet, Node, Pod } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import { labelSelectorMatches } from "../../model/label-selector.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { controllerOf } from "../framework/pod-util.ts";
import { claimObjects } from "../framework/claim.ts";
import { slowStartBatches } from "../replicaset/plan.ts";
import { podTemplateHash } from "../deployment/template-hash.ts";
import { buildRevision, HistoryWriter, nextRevision, REVISION_HASH_LABEL, revisionNumber, revisionsToPrune, sameData, sortRevisions, templatePatch } from "../history/index.ts";
import { daemonPod, daemonTemplate, isPodUpdated, targetNodeOf } from "./daemon-pod.ts";
import { nodeShouldRunDaemonPod } from "./eligibility.ts";
import { allowsSurge, daemonSetStatus, planManage, planRollingUpdate, surgeAndUnavailable, type NodeView } from "./plan.ts";
import { FailedPodBackoff } from "./failed-pod-backoff.ts";

const COMPONENT = "daemonset-controller";
/** Kubernetes caps creates/deletes per sync (burstReplicas). */
const BURST = 250;

export class DaemonSetController implements Controller {
  readonly name = "daemonset";
  readonly workers = 2;
  private ctx!: ControllerContext;
  private sets!: SharedInformer<DaemonSet>;
  private pods!: SharedInformer<Pod>;
  private nodes!: SharedInformer<Node>;
  private revisions!: SharedInformer<ControllerRevision>;
  private history!: HistoryWriter;
  private readonly backoff = new FailedPodBackoff();

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.history = new HistoryWriter(ctx);
    this.sets = ctx.informer("apps", "daemonsets");
    this.pods = ctx.informer("", "pods");
    this.nodes = ctx.informer("", "nodes");
    this.revisions = ctx.informer("apps", "controllerrevisions");
    this.sets.addHandler({ onChange: (ds) => queue.add(keyOf(ds)), onDelete: (ds) => queue.add(keyOf(ds)) });
    const owned = (obj: KubeObject) => {
      const ref = controllerOf(obj);
      if (ref?.kind === "DaemonSet") queue.add(`${obj.metadata.namespace}/${ref.name}`);
    };
    const podChanged = (pod: Pod) => {
      if (controllerOf(pod)) return owned(pod);
      // An orphan: every DaemonSet that selects it may adopt it.
      for (const ds of this.sets.list(pod.metadata.namespace)) if (labelSelectorMatches(ds.spec?.selector, pod.metadata.labels)) queue.add(keyOf(ds));
    };
    this.pods.addHandler({ onChange: podChanged, onDelete: owned });
    this.revisions.addHandler({ onChange: owned, onDelete: owned });
    const all = () => {
      for (const ds of this.sets.list()) queue.add(keyOf(ds));
    };
    this.nodes.addHandler({
      onChange: (node, old) => {
        if (!old || nodeFitChanged(old, node)) all();
      },
      onDelete: all,
    });
    await Promise.all([this.sets, this.pods, this.nodes, this.revisions].map((i) => i.start(ctx.signal)));
  }

  async reconcile(key: string): Promise<number | void> {
    const ds = this.sets.get(key);
    if (!ds) {
      this.backoff.forget(key);
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    assertReadable(ds);
    await claimObjects(this.ctx, this.pods, ds, (p) => labelSelectorMatches(ds.spec?.selector, p.metadata.labels));
    const { hash, collisionCount, current } = await this.syncHistory(ds);
    const template = daemonTemplate(ds);
    const nodes: NodeView[] = this.nodes.list().map((n) => ({ name: n.metadata.name!, ...nodeShouldRunDaemonPod(n, ds, template) }));
    const isUpdated = (p: Pod) => isPodUpdated(p, hash, ds);
    const now = this.ctx.now();
    let recheck: number | undefined;

    const manage = planManage(nodes, this.podsByNode(ds), { hash, allowsSurge: allowsSurge(ds), inBackoff: (node) => this.backoff.inBackoff(`${key}/${node}`, now) });
    for (const { pod, node } of manage.failed) {
      this.backoff.next(`${key}/${node}`, now);
      void this.ctx.events.record(ds, "Warning", "FailedDaemonPod", `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${node}, will try to kill it`, COMPONENT);
    }
    for (const node of manage.backingOff) recheck = min(recheck, this.backoff.remaining(`${key}/${node}`, now));
    let failure = await this.syncNodes(ds, manage.delete, manage.create, hash);

    if (!failure && ds.spec?.updateStrategy?.type === "RollingUpdate") {
      // Pods of nodes that are gone are manage's to delete; a rollout must not wait on them
      // (their deletion waits for a pod GC that may never come).
      const byNode = this.podsByNode(ds);
      for (const name of [...byNode.keys()]) if (!this.nodes.get(name)) byNode.delete(name);
      const shouldRun = nodes.filter((n) => n.shouldRun).map((n) => n.name);
      const { maxSurge, maxUnavailable } = surgeAndUnavailable(ds, shouldRun.length);
      const step = planRollingUpdate(shouldRun, byNode, { maxSurge, maxUnavailable, isUpdated, minReadySeconds: ds.spec?.minReadySeconds ?? 0, now });
      failure = await this.syncNodes(ds, step.delete, step.create, hash);
    }

    await this.cleanupHistory(ds, current);
    const { status, recheckMs } = daemonSetStatus(ds, nodes, this.podsByNode(ds), { isUpdated, now, collisionCount });
    await this.writeStatus(ds, status);
    if (failure) throw new Error(`syncing DaemonSet ${key}: ${failure}`);
    return min(recheck, recheckMs);
  }

  /** Owned pods that select-match, by the node they are for; finished pods being deleted are gone already. */
  private podsByNode(ds: DaemonSet): Map<string, Pod[]> {
    const out = new Map<string, Pod[]>();
    for (const p of this.pods.ownedBy(ds.metadata.uid!)) {
      if (controllerOf(p)?.uid !== ds.metadata.uid || !labelSelectorMatches(ds.spec?.selector, p.metadata.labels)) continue;
      const phase = p.status?.phase;
      if (p.metadata.deletionTimestamp && (phase === "Failed" || phase === "Succeeded")) continue;
      const node = targetNodeOf(p);
      if (!node) continue;
      (out.get(node) ?? out.set(node, []).get(node)!).push(p);
    }
    return out;
  }

  /**
   * The revision for the current template (created, or renumbered as the newest after a
   * rollback) and the hash its pods carry (constructHistory in update.go).
   */
  private async syncHistory(ds: DaemonSet): Promise<{ hash: string; collisionCount: number; current: ControllerRevision }> {
    const revs = sortRevisions(this.revisions.ownedBy(ds.metadata.uid!).filter((r) => controllerOf(r)?.uid === ds.metadata.uid));
    const data = templatePatch(ds);
    const matching = revs.filter((r) => sameData(r, data));
    let collisionCount = ds.status?.collisionCount ?? 0;
    let current = matching.at(-1);
    // Duplicates of the current template (a race with an older controller): keep the newest.
    if (matching.length > 1) await this.history.delete(matching.slice(0, -1));
    const others = revs.filter((r) => !matching.includes(r));
    const next = nextRevision(others);
    if (!current) {
      const made = await this.history.create(ds, (count) => buildRevision(ds, data, next, { hash: podTemplateHash(ds.spec?.template, count || undefined), annotations: ds.metadata.annotations }), collisionCount);
      current = made.revision;
      collisionCount = made.collisionCount;
    } else if (revisionNumber(current) < next) {
      current = await this.history.renumber(current, next);
    }
    return { hash: current.metadata.labels?.[REVISION_HASH_LABEL] ?? podTemplateHash(ds.spec?.template), collisionCount, current };
  }

  /** Keeps revisionHistoryLimit old revisions besides the current one and those running pods still carry. */
  private async cleanupHistory(ds: DaemonSet, current: ControllerRevision): Promise<void> {
    const revs = this.revisions.ownedBy(ds.metadata.uid!).filter((r) => controllerOf(r)?.uid === ds.metadata.uid);
    const liveHashes = new Set<string>();
    for (const p of this.pods.ownedBy(ds.metadata.uid!)) {
      const h = p.metadata.labels?.[REVISION_HASH_LABEL];
      if (h) liveHashes.add(h);
    }
    const live = new Set([current.metadata.name!, ...revs.filter((r) => liveHashes.has(r.metadata.labels?.[REVISION_HASH_LABEL] ?? "")).map((r) => r.metadata.name!)]);
    await this.history.delete(revisionsToPrune(revs, live, ds.spec?.revisionHistoryLimit ?? 10));
  }

  /** Deletes then creates (syncNodes); returns the first create error's message. */
  private async syncNodes(ds: DaemonSet, victims: Pod[], nodes: string[], hash: string): Promise<string | undefined> {
    const podDef = this.pods.def;
    await Promise.all(victims.slice(0, BURST).map(async (p) => {
      try {
        await this.ctx.storage.delete(podDef, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
        void this.ctx.events.record(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, COMPONENT);
      } catch (e) {
        if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
      }
    }));
    const todo = nodes.slice(0, BURST);
    let offset = 0;
    for (const batch of slowStartBatches(todo.length)) {
      const results = await Promise.allSettled(todo.slice(offset, offset + batch).map((node) => this.ctx.storage.create(podDef, ds.metadata.namespace, daemonPod(ds, node, hash))));
      offset += batch;
      for (const r of results) if (r.status === "fulfilled") void this.ctx.events.record(ds, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`, COMPONENT);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) {
        const message = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
        await this.ctx.events.record(ds, "Warning", "FailedCreate", `Error creating: ${message}`, COMPONENT);
        return message;
      }
    }
    return undefined;
  }

  private async writeStatus(ds: DaemonSet, status: object): Promise<void> {
    if (Bun.deepEquals(ds.status ?? {}, status)) return;
    try {
      await this.ctx.storage.update(this.sets.def, ds.metadata.namespace, ds.metadata.name!, (cur) => {
        if (cur.metadata.uid !== ds.metadata.uid) return cur;
        cur.status = status;
        return cur;
      }, { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

/** What eligibility reads of a node (shouldIgnoreNodeUpdate looks past status-only changes). */
function nodeFitChanged(a: Node, b: Node): boolean {
  return !Bun.deepEquals(a.metadata.labels ?? {}, b.metadata.labels ?? {}) || !Bun.deepEquals(a.spec?.taints ?? [], b.spec?.taints ?? []) || a.spec?.unschedulable !== b.spec?.unschedulable;
}

function min(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

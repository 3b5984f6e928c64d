/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods matching the selector, adopting
 * orphans that match and releasing owned pods that no longer do; reports replicas, ready and
 * available counts. Pods are found through the informer's owner index, never by scanning
 * every pod, and created in slow-start batches.
 */
import { assertReadable } from "../framework/readable.ts";
import type { Pod, ReplicaSet, ReplicaSetStatus } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import { labelSelectorMatches } from "../../model/label-selector.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { controllerOf, isPodActive, podFromTemplate } from "../framework/pod-util.ts";
import { claimObjects } from "../framework/claim.ts";
import { podsToDelete, replicaSetStatus, slowStartBatches } from "./plan.ts";

/** Kubernetes caps creates/deletes per sync (burstReplicas). */
const BURST = 500;
const COMPONENT = "replicaset-controller";

export class ReplicaSetController implements Controller {
  readonly name = "replicaset";
  readonly workers = 4;
  private ctx!: ControllerContext;
  private sets!: SharedInformer<ReplicaSet>;
  private pods!: SharedInformer<Pod>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.sets = ctx.informer("apps", "replicasets");
    this.pods = ctx.informer("", "pods");
    this.sets.addHandler({ onChange: (rs) => queue.add(keyOf(rs)), onDelete: (rs) => queue.add(keyOf(rs)) });
    const podChanged = (pod: Pod) => {
      const ref = controllerOf(pod);
      if (ref) {
        if (ref.kind === "ReplicaSet") queue.add(`${pod.metadata.namespace}/${ref.name}`);
        return;
      }
      // An orphan: every ReplicaSet in its namespace that selects it may adopt it.
      for (const rs of this.sets.list(pod.metadata.namespace)) if (labelSelectorMatches(rs.spec?.selector, pod.metadata.labels)) queue.add(keyOf(rs));
    };
    this.pods.addHandler({
      onChange: (pod, old) => {
        podChanged(pod);
        // A pod whose labels or owner changed may leave its previous ReplicaSet.
        if (old && (controllerOf(old)?.uid !== controllerOf(pod)?.uid)) podChanged(old);
      },
      onDelete: podChanged,
    });
    await Promise.all([this.sets.start(ctx.signal), this.pods.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<number | void> {
    const rs = this.sets.get(key);
    if (!rs) return;
    assertReadable(rs);
    const { namespace } = splitKey(key);
    const owned = await claimObjects(this.ctx, this.pods, rs, (p) => labelSelectorMatches(rs.spec?.selector, p.metadata.labels));
    const active = owned.filter(isPodActive);
    let failure: { message: string } | undefined;
    if (!rs.metadata.deletionTimestamp) {
      const want = rs.spec?.replicas ?? 1;
      const diff = active.length - want;
      if (diff < 0) failure = await this.createPods(rs, Math.min(-diff, BURST));
      else if (diff > 0) await this.deletePods(rs, podsToDelete(active, Math.min(diff, BURST)));
    }
    const now = this.ctx.now();
    const current = this.pods.ownedBy(rs.metadata.uid!).filter((p) => controllerOf(p)?.uid === rs.metadata.uid && isPodActive(p));
    const { status, recheckMs } = replicaSetStatus(rs, current, now, failure);
    await this.writeStatus(rs, status);
    if (failure) throw new Error(`creating pods for ReplicaSet ${key}: ${failure.message}`);
    return recheckMs;
  }

  private async createPods(rs: ReplicaSet, count: number): Promise<{ message: string } | undefined> {
    for (const batch of slowStartBatches(count)) {
      const results = await Promise.allSettled(Array.from({ length: batch }, () =>
        this.ctx.storage.create(this.pods.def, rs.metadata.namespace, podFromTemplate(rs.spec?.template, rs))));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      for (const r of results) {
        if (r.status === "fulfilled") {
          void this.ctx.events.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`, COMPONENT);
        }
      }
      if (failed) {
        const message = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
        await this.ctx.events.record(rs, "Warning", "FailedCreate", `Error creating: ${message}`, COMPONENT);
        return { message };
      }
    }
    return undefined;
  }

  private async deletePods(rs: ReplicaSet, victims: Pod[]): Promise<void> {
    await Promise.all(victims.map(async (p) => {
      try {
        await this.ctx.storage.delete(this.pods.def, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
        void this.ctx.events.record(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, COMPONENT);
      } catch (e) {
        if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
      }
    }));
  }

  private async writeStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
    if (Bun.deepEquals(rs.status ?? {}, status)) return;
    try {
      await this.ctx.storage.update(this.sets.def, rs.metadata.namespace, rs.metadata.name!, (cur) => {
        if (cur.metadata.uid !== rs.metadata.uid) return cur;
        cur.status = status;
        return cur;
      }, { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

/**
 * The StatefulSet controller: pods with stable names and storage (`<set>-<ordinal>`, one PVC
 * per claim template and ordinal, kept unless the retention policy says otherwise), created in
 * order and removed in reverse (OrderedReady) or all at once (Parallel), updated from the
 * highest ordinal down to the partition (RollingUpdate) or when deleted (OnDelete), with
 * ControllerRevisions as history — so `kubectl rollout status|history|undo statefulset/x` work.
 */
import { assertReadable } from "../framework/readable.ts";
import type { KubeObject } from "../../model/object.ts";
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import { labelSelectorMatches } from "../../model/label-selector.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { controllerOf } from "../framework/pod-util.ts";
import { claimObjects } from "../framework/claim.ts";
import { slowStartBatches } from "../replicaset/plan.ts";
import { buildRevision, HistoryWriter, nextRevision, revisionsToPrune, revisionTemplate, sameData, sortRevisions, templatePatch } from "../history/index.ts";
import { claimOwnerRefs, claimsFor, newStatefulPod, ordinalOf, parentAndOrdinal, podName, podRevision, POD_INDEX_LABEL, POD_NAME_LABEL, startOrdinal } from "./identity.ts";
import { planStatefulSet, statefulSetStatus, type StsAction } from "./plan.ts";

const COMPONENT = "statefulset-controller";

export class StatefulSetController implements Controller {
  readonly name = "statefulset";
  readonly workers = 2;
  private ctx!: ControllerContext;
  private sets!: SharedInformer<StatefulSet>;
  private pods!: SharedInformer<Pod>;
  private claims!: SharedInformer<PersistentVolumeClaim>;
  private revisions!: SharedInformer<ControllerRevision>;
  private history!: HistoryWriter;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.history = new HistoryWriter(ctx);
    this.sets = ctx.informer("apps", "statefulsets");
    this.pods = ctx.informer("", "pods");
    this.claims = ctx.informer("", "persistentvolumeclaims");
    this.revisions = ctx.informer("apps", "controllerrevisions");
    this.sets.addHandler({ onChange: (s) => queue.add(keyOf(s)), onDelete: (s) => queue.add(keyOf(s)) });
    const owned = (obj: KubeObject) => {
      const ref = controllerOf(obj);
      if (ref?.kind === "StatefulSet") queue.add(`${obj.metadata.namespace}/${ref.name}`);
    };
    const podChanged = (pod: Pod) => {
      if (controllerOf(pod)) return owned(pod);
      // An orphan named like a member of a set (web-3 of web) may be adopted by it.
      const set = this.sets.get(`${pod.metadata.namespace}/${parentAndOrdinal(pod.metadata.name ?? "").parent}`);
      if (set) queue.add(keyOf(set));
    };
    this.pods.addHandler({ onChange: podChanged, onDelete: owned });
    this.revisions.addHandler({ onChange: owned, onDelete: owned });
    // A claim deleted under a pending pod is made again; its owner is named in the claim's name.
    this.claims.addHandler({
      onDelete: (pvc) => {
        const { parent } = parentAndOrdinal(pvc.metadata.name ?? "");
        for (const s of this.sets.list(pvc.metadata.namespace)) if (parent.endsWith(`-${s.metadata.name}`)) queue.add(keyOf(s));
      },
    });
    await Promise.all([this.sets, this.pods, this.claims, this.revisions].map((i) => i.start(ctx.signal)));
  }

  async reconcile(key: string): Promise<number | void> {
    const set = this.sets.get(key);
    if (!set) return;
    assertReadable(set);
    await claimObjects(this.ctx, this.pods, set, (p) => this.isMember(set, p));
    const { current, update, collisionCount } = await this.syncRevisions(set);
    const now = this.ctx.now();
    const plan = planStatefulSet(set, this.ownedPods(set), { updateRevision: update.metadata.name!, now });
    let failure: unknown;
    try {
      // Claims of pods about to be scaled away must point at them before the pods go.
      await this.applyRetention(set);
      await this.act(set, plan.actions, current, update);
    } catch (e) {
      failure = e;
    }
    const pods = this.ownedPods(set);
    await this.truncateHistory(set, pods, current, update);
    const { status, recheckMs } = statefulSetStatus(set, pods, { currentRevision: current.metadata.name!, updateRevision: update.metadata.name!, collisionCount, now });
    await this.writeStatus(set, status);
    if (failure) throw new Error(`syncing StatefulSet ${key}`, { cause: failure });
    return recheckMs;
  }

  /** Pods of this set: its name prefix and its selector (isMemberOf and the selector, as in Kubernetes). */
  private isMember(set: StatefulSet, p: Pod): boolean {
    return labelSelectorMatches(set.spec?.selector, p.metadata.labels) && parentAndOrdinal(p.metadata.name!).parent === set.metadata.name;
  }

  private ownedPods(set: StatefulSet): Pod[] {
    return this.pods.ownedBy(set.metadata.uid!).filter((p) => controllerOf(p)?.uid === set.metadata.uid && this.isMember(set, p));
  }

  /** getStatefulSetRevisions: the update revision (reused, renumbered after a rollback, or created) and the current one. */
  private async syncRevisions(set: StatefulSet): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    const revs = sortRevisions(this.revisions.ownedBy(set.metadata.uid!).filter((r) => controllerOf(r)?.uid === set.metadata.uid));
    const data = templatePatch(set);
    const equal = revs.filter((r) => sameData(r, data));
    let collisionCount = set.status?.collisionCount ?? 0;
    let update: ControllerRevision;
    if (equal.length && equal.at(-1) === revs.at(-1)) update = revs.at(-1)!;
    else if (equal.length) update = await this.history.renumber(equal.at(-1)!, nextRevision(revs));
    else {
      const made = await this.history.create(set, (count) => buildRevision(set, data, nextRevision(revs), { collisionCount: count || undefined }), collisionCount);
      update = made.revision;
      collisionCount = made.collisionCount;
    }
    const current = revs.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async act(set: StatefulSet, actions: StsAction[], current: ControllerRevision, update: ControllerRevision): Promise<void> {
    const creates = actions.filter((a): a is Extract<StsAction, { kind: "create" }> => a.kind === "create");
    for (const a of actions) {
      if (a.kind === "delete") await this.deletePod(set, a.pod);
      else if (a.kind === "claims") await this.ensureClaims(set, ordinalOf(a.pod));
      else if (a.kind === "identity") await this.fixIdentity(set, a.pod);
    }
    // Creates run in slow-start batches (only Parallel ever has more than one).
    let offset = 0;
    for (const size of slowStartBatches(creates.length)) {
      const batch = creates.slice(offset, offset + size);
      offset += size;
      const results = await Promise.allSettled(batch.map((a) => this.createPod(set, a.ordinal, a.revision === "current" ? current : update)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  /** Claims first, then the pod (CreateStatefulPod). */
  private async createPod(set: StatefulSet, ordinal: number, revision: ControllerRevision): Promise<void> {
    await this.ensureClaims(set, ordinal);
    const template = revisionTemplate(revision);
    const pod = newStatefulPod(set, template, ordinal, revision.metadata.name!);
    try {
      await this.ctx.storage.create(this.pods.def, set.metadata.namespace, pod);
      void this.ctx.events.record(set, "Normal", "SuccessfulCreate", `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, COMPONENT);
    } catch (e) {
      if (isStatusError(e, "AlreadyExists")) return;
      await this.ctx.events.record(set, "Warning", "FailedCreate", `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`, COMPONENT);
      throw e;
    }
  }

  private async ensureClaims(set: StatefulSet, ordinal: number): Promise<void> {
    const pvcDef = this.claims.def;
    for (const claim of claimsFor(set, ordinal)) {
      const existing = this.claims.get(`${set.metadata.namespace}/${claim.metadata.name}`);
      if (existing) {
        // A claim still going away cannot be used; the pod waits for a fresh one.
        if (existing.metadata.deletionTimestamp) throw new Error(`claim ${claim.metadata.name} is being deleted`);
        continue;
      }
      const refs = claimOwnerRefs(set, claim, undefined, ordinal >= startOrdinal(set) + (set.spec?.replicas ?? 1));
      if (refs.length) claim.metadata.ownerReferences = refs;
      try {
        await this.ctx.storage.create(pvcDef, set.metadata.namespace, claim);
        void this.ctx.events.record(set, "Normal", "SuccessfulCreate", `create Claim ${claim.metadata.name} Pod ${podName(set, ordinal)} in StatefulSet ${set.metadata.name} success`, COMPONENT);
      } catch (e) {
        if (isStatusError(e, "AlreadyExists")) continue;
        await this.ctx.events.record(set, "Warning", "FailedCreate", `create Claim ${claim.metadata.name} for Pod ${podName(set, ordinal)} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`, COMPONENT);
        throw e;
      }
    }
  }

  /** Claims carry the owner references the retention policy asks for (set for whenDeleted, pod once scaled away for whenScaled). */
  private async applyRetention(set: StatefulSet): Promise<void> {
    if (!set.spec?.volumeClaimTemplates?.length || set.metadata.deletionTimestamp) return;
    const end = startOrdinal(set) + (set.spec?.replicas ?? 1);
    for (const pod of this.ownedPods(set)) {
      const ordinal = ordinalOf(pod);
      for (const want of claimsFor(set, ordinal)) {
        const claim = this.claims.get(`${set.metadata.namespace}/${want.metadata.name}`);
        if (!claim || claim.metadata.deletionTimestamp) continue;
        const refs = claimOwnerRefs(set, claim, pod, ordinal >= end);
        if (Bun.deepEquals(refs, claim.metadata.ownerReferences ?? [])) continue;
        try {
          await this.ctx.storage.update(this.claims.def, claim.metadata.namespace, claim.metadata.name!, (cur) => {
            const next = claimOwnerRefs(set, cur, pod, ordinal >= end);
            if (next.length) cur.metadata.ownerReferences = next;
            else delete cur.metadata.ownerReferences;
            return cur;
          });
        } catch (e) {
          if (!isStatusError(e, "NotFound")) throw e;
        }
      }
    }
  }

  private async fixIdentity(set: StatefulSet, pod: Pod): Promise<void> {
    const ordinal = ordinalOf(pod);
    try {
      await this.ctx.storage.update(this.pods.def, pod.metadata.namespace, pod.metadata.name!, (cur) => {
        if (cur.metadata.uid !== pod.metadata.uid) return cur;
        cur.metadata.labels = { ...(cur.metadata.labels ?? {}), [POD_NAME_LABEL]: cur.metadata.name!, [POD_INDEX_LABEL]: String(ordinal) };
        return cur;
      });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }

  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.ctx.storage.delete(this.pods.def, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      void this.ctx.events.record(set, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, COMPONENT);
    } catch (e) {
      if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
    }
  }

  /** Keeps revisionHistoryLimit revisions besides the current, the update and those pods still carry. */
  private async truncateHistory(set: StatefulSet, pods: Pod[], current: ControllerRevision, update: ControllerRevision): Promise<void> {
    const revs = this.revisions.ownedBy(set.metadata.uid!).filter((r) => controllerOf(r)?.uid === set.metadata.uid);
    const live = new Set([current.metadata.name!, update.metadata.name!, ...pods.map(podRevision)]);
    await this.history.delete(revisionsToPrune(revs, live, set.spec?.revisionHistoryLimit ?? 10));
  }

  private async writeStatus(set: StatefulSet, status: object): Promise<void> {
    if (Bun.deepEquals(set.status ?? {}, status)) return;
    try {
      await this.ctx.storage.update(this.sets.def, set.metadata.namespace, set.metadata.name!, (cur) => {
        if (cur.metadata.uid !== set.metadata.uid) return cur;
        cur.status = status;
        return cur;
      }, { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

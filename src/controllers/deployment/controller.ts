/**
 * The Deployment controller: one ReplicaSet per pod template (named and labelled with its
 * pod-template-hash, annotated with its revision), rolled from old to new by RollingUpdate
 * (maxSurge/maxUnavailable) or Recreate, scaled proportionally while paused or mid-rollout,
 * old ReplicaSets kept up to revisionHistoryLimit — so that `kubectl rollout
 * status|history|undo|restart|pause|resume` and `kubectl scale` behave as on Kubernetes.
 */
import { cloneObject } from "../../model/clone.ts";
import { assertReadable } from "../framework/readable.ts";
import type { Deployment, DeploymentCondition, Pod, ReplicaSet } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import { labelSelectorMatches } from "../../model/label-selector.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { controllerOf, controllerRefTo, isPodActive } from "../framework/pod-util.ts";
import { claimObjects } from "../framework/claim.ts";
import { podTemplateHash, templatesEqualIgnoringHash } from "./template-hash.ts";
import { newRsReplicas, oldRsScaleDowns, proportionalSizes, surgeAndUnavailable, type RsView } from "./rollout-math.ts";
import { deploymentStatus, newReplicaSetCreated, REVISION } from "./status.ts";

const COMPONENT = "deployment-controller";
const DESIRED = "deployment.kubernetes.io/desired-replicas";
const MAX = "deployment.kubernetes.io/max-replicas";
const CHANGE_CAUSE = "kubernetes.io/change-cause";

const revisionOf = (rs: ReplicaSet) => Number(rs.metadata.annotations?.[REVISION] ?? 0) || 0;
const view = (rs: ReplicaSet): RsView => ({ name: rs.metadata.name!, replicas: rs.spec?.replicas ?? 0, available: rs.status?.availableReplicas ?? 0, created: Date.parse(rs.metadata.creationTimestamp ?? "") || 0 });

export class DeploymentController implements Controller {
  readonly name = "deployment";
  readonly workers = 4;
  private ctx!: ControllerContext;
  private deployments!: SharedInformer<Deployment>;
  private sets!: SharedInformer<ReplicaSet>;
  private pods!: SharedInformer<Pod>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.deployments = ctx.informer("apps", "deployments");
    this.sets = ctx.informer("apps", "replicasets");
    this.pods = ctx.informer("", "pods");
    this.deployments.addHandler({ onChange: (d) => queue.add(keyOf(d)), onDelete: (d) => queue.add(keyOf(d)) });
    const rsChanged = (rs: ReplicaSet) => {
      const ref = controllerOf(rs);
      if (ref?.kind === "Deployment") queue.add(`${rs.metadata.namespace}/${ref.name}`);
      else if (!ref) for (const d of this.deployments.list(rs.metadata.namespace)) if (labelSelectorMatches(d.spec?.selector, rs.metadata.labels)) queue.add(keyOf(d));
    };
    this.sets.addHandler({ onChange: rsChanged, onDelete: rsChanged });
    // Recreate waits for old pods to be gone: their deletion wakes the Deployment.
    this.pods.addHandler({
      onDelete: (pod) => {
        const rsRef = controllerOf(pod);
        if (rsRef?.kind !== "ReplicaSet") return;
        const rs = this.sets.get(`${pod.metadata.namespace}/${rsRef.name}`);
        if (rs) rsChanged(rs);
      },
    });
    await Promise.all([this.deployments.start(ctx.signal), this.sets.start(ctx.signal), this.pods.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<number | void> {
    const d = this.deployments.get(key);
    if (!d) return;
    assertReadable(d);
    const all = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) return this.writeStatus(d, all.find((rs) => this.matchesTemplate(d, rs)), all);
    const replicas = d.spec?.replicas ?? 1;
    const { maxSurge, maxUnavailable } = d.spec?.strategy?.type === "Recreate" ? { maxSurge: 0, maxUnavailable: replicas } : surgeAndUnavailable(d.spec?.strategy, replicas);

    let newRs = all.find((rs) => this.matchesTemplate(d, rs));
    const old = all.filter((rs) => rs !== newRs);

    // Paused, or a scale while several ReplicaSets are active: resize in proportion, no rollout.
    const active = all.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    // A lone active ReplicaSet counts too (Kubernetes' isScalingEvent → scale): the rollout
    // path never shrinks a new ReplicaSet, so a plain scale down would otherwise not happen.
    const scaling = active.some((rs) => Number(rs.metadata.annotations?.[DESIRED] ?? replicas) !== replicas);
    if (d.spec?.paused || scaling) {
      await this.scaleProportionally(d, active, replicas + (d.spec?.paused ? 0 : maxSurge));
      await this.cleanup(d, old);
      return this.writeStatus(d, newRs, await this.claimReplicaSets(d));
    }

    if (d.spec?.strategy?.type === "Recreate") {
      for (const rs of old) if ((rs.spec?.replicas ?? 0) > 0) await this.scaleRs(d, rs, 0);
      const oldPodsLeft = old.some((rs) => this.pods.ownedBy(rs.metadata.uid!).some((p) => isPodActive(p) || p.metadata.deletionTimestamp));
      if (oldPodsLeft) return this.writeStatus(d, newRs, all);
      newRs ??= await this.createNewRs(d, old, replicas);
      if ((newRs.spec?.replicas ?? 0) !== replicas) await this.scaleRs(d, newRs, replicas);
    } else {
      if (!newRs) newRs = await this.createNewRs(d, old, newRsReplicas(replicas, maxSurge, { name: "", replicas: 0, available: 0, created: 0 }, all.map(view)));
      else {
        await this.syncRevision(d, newRs, old);
        const want = newRsReplicas(replicas, maxSurge, view(newRs), all.map(view));
        if (want !== (newRs.spec?.replicas ?? 0)) await this.scaleRs(d, newRs, want);
      }
      const fresh = this.sets.get(keyOf(newRs)) ?? newRs;
      const downs = oldRsScaleDowns(replicas, maxUnavailable, view(fresh), old.map((rs) => view(this.sets.get(keyOf(rs)) ?? rs)));
      for (const rs of old) if (downs.has(rs.metadata.name!)) await this.scaleRs(d, rs, downs.get(rs.metadata.name!)!);
    }
    await this.cleanup(d, old);
    return this.writeStatus(d, this.sets.get(keyOf(newRs)) ?? newRs, await this.claimReplicaSets(d));
  }

  private matchesTemplate(d: Deployment, rs: ReplicaSet): boolean {
    return templatesEqualIgnoringHash(rs.spec?.template, d.spec?.template);
  }

  /** Owned ReplicaSets, after adopting orphans that match and releasing owned ones that don't. */
  private claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    return claimObjects(this.ctx, this.sets, d, (rs) => labelSelectorMatches(d.spec?.selector, rs.metadata.labels));
  }

  private async createNewRs(d: Deployment, old: ReplicaSet[], size: number): Promise<ReplicaSet> {
    const maxOld = Math.max(0, ...old.map(revisionOf));
    for (let attempt = 0; attempt < 5; attempt++) {
      const collisions = d.status?.collisionCount ?? 0;
      const hash = podTemplateHash(d.spec?.template, collisions + attempt);
      const template = cloneObject(d.spec?.template ?? {});
      template.metadata = { ...template.metadata, labels: { ...(template.metadata?.labels ?? {}), "pod-template-hash": hash } };
      const selector = cloneObject(d.spec?.selector ?? {});
      selector.matchLabels = { ...(selector.matchLabels ?? {}), "pod-template-hash": hash };
      const replicas = d.spec?.replicas ?? 1;
      const annotations: Record<string, string> = { [REVISION]: String(maxOld + 1), [DESIRED]: String(replicas), [MAX]: String(replicas + this.surge(d)) };
      if (d.metadata.annotations?.[CHANGE_CAUSE]) annotations[CHANGE_CAUSE] = d.metadata.annotations[CHANGE_CAUSE];
      const rs: ReplicaSet = {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels: template.metadata.labels, annotations, ownerReferences: [controllerRefTo(d)] },
        spec: { replicas: size, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
      };
      try {
        const created = await this.ctx.storage.create(this.sets.def, d.metadata.namespace, rs);
        await this.ctx.events.record(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${size}`, COMPONENT);
        await this.updateDeploymentMeta(d, String(maxOld + 1), newReplicaSetCreated(d, created.metadata.name!, this.ctx.now()));
        return created;
      } catch (e) {
        if (!isStatusError(e, "AlreadyExists")) throw e;
        const existing = this.sets.get(`${d.metadata.namespace}/${rs.metadata.name}`);
        if (existing && controllerOf(existing)?.uid === d.metadata.uid && this.matchesTemplate(d, existing)) return existing;
        // A ReplicaSet of that name with another template: the hash collided; count it and move on.
        await this.ctx.storage.update(this.deployments.def, d.metadata.namespace, d.metadata.name!, (cur) => {
          cur.status = { ...cur.status, collisionCount: (cur.status?.collisionCount ?? 0) + 1 };
          return cur;
        }, { subresource: "status" });
      }
    }
    throw new Error(`could not find a free ReplicaSet name for Deployment ${keyOf(d)}`);
  }

  private surge(d: Deployment): number {
    if (d.spec?.strategy?.type === "Recreate") return 0;
    return surgeAndUnavailable(d.spec?.strategy, d.spec?.replicas ?? 1).maxSurge;
  }

  /** The Deployment's revision annotation follows its newest ReplicaSet; the condition records a creation. */
  private async updateDeploymentMeta(d: Deployment, revision: string, progressing?: DeploymentCondition): Promise<void> {
    if (d.metadata.annotations?.[REVISION] !== revision) {
      await this.ctx.storage.update(this.deployments.def, d.metadata.namespace, d.metadata.name!, (cur) => {
        cur.metadata.annotations = { ...cur.metadata.annotations, [REVISION]: revision };
        return cur;
      });
    }
    if (progressing) {
      await this.ctx.storage.update(this.deployments.def, d.metadata.namespace, d.metadata.name!, (cur) => {
        const conditions: DeploymentCondition[] = cur.status?.conditions ?? [];
        cur.status = { ...cur.status, conditions: [...conditions.filter((c) => c.type !== "Progressing"), progressing] };
        return cur;
      }, { subresource: "status" });
    }
  }

  /** A template rolled back to an old ReplicaSet makes that one the newest revision again. */
  private async syncRevision(d: Deployment, newRs: ReplicaSet, old: ReplicaSet[]): Promise<void> {
    const maxOld = Math.max(0, ...old.map(revisionOf));
    const replicas = d.spec?.replicas ?? 1;
    const want: Record<string, string> = { [DESIRED]: String(replicas), [MAX]: String(replicas + this.surge(d)) };
    if (revisionOf(newRs) <= maxOld) want[REVISION] = String(maxOld + 1);
    if (d.metadata.annotations?.[CHANGE_CAUSE]) want[CHANGE_CAUSE] = d.metadata.annotations[CHANGE_CAUSE];
    const a = newRs.metadata.annotations ?? {};
    const minReady = d.spec?.minReadySeconds ?? 0;
    if (Object.entries(want).some(([k, v]) => a[k] !== v) || (newRs.spec?.minReadySeconds ?? 0) !== minReady) {
      await this.ctx.storage.update(this.sets.def, newRs.metadata.namespace, newRs.metadata.name!, (cur) => {
        cur.metadata.annotations = { ...cur.metadata.annotations, ...want };
        cur.spec = { ...cur.spec, minReadySeconds: minReady };
        return cur;
      });
    }
    await this.updateDeploymentMeta(d, want[REVISION] ?? String(revisionOf(newRs)));
  }

  private async scaleRs(d: Deployment, rs: ReplicaSet, to: number): Promise<void> {
    const from = rs.spec?.replicas ?? 0;
    const replicas = d.spec?.replicas ?? 1;
    await this.ctx.storage.update(this.sets.def, rs.metadata.namespace, rs.metadata.name!, (cur) => {
      cur.spec = { ...cur.spec, replicas: to };
      cur.metadata.annotations = { ...cur.metadata.annotations, [DESIRED]: String(replicas), [MAX]: String(replicas + this.surge(d)) };
      return cur;
    });
    if (from !== to) {
      await this.ctx.events.record(d, "Normal", "ScalingReplicaSet", `Scaled ${to > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${to}`, COMPONENT);
    }
  }

  private async scaleProportionally(d: Deployment, active: ReplicaSet[], target: number): Promise<void> {
    if (active.length === 0) return;
    if (active.length === 1) {
      const rs = active[0]!, replicas = d.spec?.replicas ?? 1;
      // The annotation too, or a stale one would keep every sync on this path.
      if ((rs.spec?.replicas ?? 0) !== replicas || rs.metadata.annotations?.[DESIRED] !== String(replicas)) await this.scaleRs(d, rs, replicas);
      return;
    }
    const sizes = proportionalSizes(target, active.map(view));
    for (const rs of active) {
      const to = sizes.get(rs.metadata.name!) ?? 0;
      if (to !== (rs.spec?.replicas ?? 0)) await this.scaleRs(d, rs, to);
    }
  }

  /** Old ReplicaSets with no replicas beyond revisionHistoryLimit go, oldest revision first. */
  private async cleanup(d: Deployment, old: ReplicaSet[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    const idle = old.filter((rs) => (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        await this.ctx.storage.delete(this.sets.def, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
      } catch (e) {
        if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
      }
    }
  }

  private async writeStatus(d: Deployment, newRs: ReplicaSet | undefined, all: ReplicaSet[]): Promise<number | void> {
    const cur = this.deployments.get(keyOf(d)) ?? d;
    const replicas = cur.spec?.replicas ?? 1;
    const maxUnavailable = cur.spec?.strategy?.type === "Recreate" ? replicas : surgeAndUnavailable(cur.spec?.strategy, replicas).maxUnavailable;
    const { status, recheckMs } = deploymentStatus({ d: cur, newRs: newRs && (this.sets.get(keyOf(newRs)) ?? newRs), all: all.map((rs) => this.sets.get(keyOf(rs)) ?? rs), maxUnavailable, now: this.ctx.now() });
    if (!Bun.deepEquals(cur.status ?? {}, status)) {
      try {
        await this.ctx.storage.update(this.deployments.def, cur.metadata.namespace, cur.metadata.name!, (c) => {
          if (c.metadata.uid !== cur.metadata.uid) return c;
          c.status = status;
          return c;
        }, { subresource: "status" });
      } catch (e) {
        if (!isStatusError(e, "NotFound")) throw e;
      }
    }
    return recheckMs;
  }
}

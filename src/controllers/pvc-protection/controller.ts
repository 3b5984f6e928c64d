/**
 * PVC protection: a claim marked for deletion keeps its `kubernetes.io/pvc-protection`
 * finalizer while any pod that has not finished still names it, so the data a running pod
 * writes is never pulled away under it. Once the last such pod is gone the finalizer goes,
 * the claim with it, and the binder releases the volume.
 */
import type { PersistentVolumeClaim, Pod } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { PVC_PROTECTION_FINALIZER } from "../../volume-binding/annotations.ts";
import { podClaimNames } from "../../volume-binding/claims.ts";

const BY_CLAIM = "pvc-protection:claims";

/** A pod holds a claim until it has finished (Succeeded/Failed) or is gone. */
export function podHoldsClaim(pod: Pod, claimName: string): boolean {
  if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return false;
  return podClaimNames(pod).includes(claimName);
}

export class PvcProtectionController implements Controller {
  readonly name = "pvc-protection";
  private ctx!: ControllerContext;
  private claims!: SharedInformer<PersistentVolumeClaim>;
  private pods!: SharedInformer<Pod>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.claims = ctx.informer("", "persistentvolumeclaims");
    this.pods = ctx.informer("", "pods");
    this.pods.addIndex(BY_CLAIM, (p) => podClaimNames(p).map((c) => `${p.metadata.namespace}/${c}`));
    const claimChanged = (pvc: PersistentVolumeClaim) => {
      if (pvc.metadata.deletionTimestamp && pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) queue.add(keyOf(pvc));
    };
    this.claims.addHandler({ onChange: claimChanged });
    const podChanged = (pod: Pod) => {
      for (const name of podClaimNames(pod)) {
        const pvc = this.claims.get(`${pod.metadata.namespace}/${name}`);
        if (pvc) claimChanged(pvc);
      }
    };
    this.pods.addHandler({ onChange: podChanged, onDelete: podChanged });
    await Promise.all([this.claims.start(ctx.signal), this.pods.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<void> {
    const pvc = this.claims.get(key);
    if (!pvc?.metadata.deletionTimestamp || !pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    const name = pvc.metadata.name!;
    if (this.pods.byIndex(BY_CLAIM, key).some((p) => podHoldsClaim(p, name))) return;
    // The cache may not have a pod created a moment ago: the store decides.
    const live = await this.ctx.storage.list(this.pods.def, pvc.metadata.namespace);
    if (live.items.some((p) => podHoldsClaim(p, name))) return;
    try {
      await this.ctx.storage.update(this.claims.def, pvc.metadata.namespace, name, (cur) => {
        if (cur.metadata.uid !== pvc.metadata.uid) return cur;
        cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f: string) => f !== PVC_PROTECTION_FINALIZER);
        return cur;
      });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

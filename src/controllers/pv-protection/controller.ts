/**
 * PV protection: a volume marked for deletion keeps its `kubernetes.io/pv-protection`
 * finalizer while it is Bound; once its claim lets go (Released, Available, Failed) the
 * finalizer goes and the volume with it.
 */
import type { PersistentVolume } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { PV_PROTECTION_FINALIZER } from "../../volume-binding/annotations.ts";

export class PvProtectionController implements Controller {
  readonly name = "pv-protection";
  private ctx!: ControllerContext;
  private volumes!: SharedInformer<PersistentVolume>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.volumes = ctx.informer("", "persistentvolumes");
    this.volumes.addHandler({
      onChange: (pv: PersistentVolume) => {
        if (pv.metadata.deletionTimestamp && pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) queue.add(keyOf(pv));
      },
    });
    await this.volumes.start(ctx.signal);
  }

  async reconcile(key: string): Promise<void> {
    const pv = this.volumes.get(key);
    if (!pv?.metadata.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return;
    if (pv.status?.phase === "Bound") return;
    try {
      await this.ctx.storage.update(this.volumes.def, undefined, key, (cur) => {
        if (cur.metadata.uid !== pv.metadata.uid || cur.status?.phase === "Bound") return cur;
        cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f: string) => f !== PV_PROTECTION_FINALIZER);
        return cur;
      });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

/**
 * Namespace deletion (Kubernetes' namespace controller): a namespace marked for deletion is
 * Terminating; its content is deleted, and once nothing is left the `kubernetes` finalizer is
 * removed from spec.finalizers, which lets the store remove the namespace itself.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Namespace } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { log } from "../../log.ts";

export const NAMESPACE_FINALIZER = "kubernetes";

export class NamespaceController implements Controller {
  readonly name = "namespace";
  private ctx!: ControllerContext;
  private namespaces!: SharedInformer<Namespace>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.namespaces = ctx.informer("", "namespaces");
    const enqueue = (ns: KubeObject) => {
      if (ns.metadata.deletionTimestamp) queue.add(ns.metadata.name!);
    };
    this.namespaces.addHandler({ onChange: enqueue });
    await this.namespaces.start(ctx.signal);
  }

  async reconcile(name: string): Promise<number | void> {
    const { storage, registry } = this.ctx;
    const ns = await storage.tryGet(this.namespaces.def, undefined, name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const def of registry.all) {
      if (!def.namespaced) continue;
      for (const item of (await storage.list(def, name)).items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        try {
          await storage.delete(def, name, item.metadata.name!, { propagationPolicy: "Background" });
        } catch (e) {
          if (!isStatusError(e, "NotFound")) throw e;
        }
      }
    }
    // Finalizers and graceful pods take their time: look again until nothing is left.
    if (remaining > 0 && (await this.countContent(name)) > 0) return this.ctx.settings.namespaceRecheckMs;
    await storage.update(this.namespaces.def, undefined, name, (cur) => {
      cur.spec = { ...(cur.spec ?? {}), finalizers: (cur.spec?.finalizers ?? []).filter((f: string) => f !== NAMESPACE_FINALIZER) };
      return cur;
    });
    log.info("namespace deleted", { namespace: name });
  }

  private async countContent(name: string): Promise<number> {
    let n = 0;
    for (const def of this.ctx.registry.all) if (def.namespaced) n += (await this.ctx.storage.list(def, name, { limit: 1 })).items.length;
    return n;
  }
}

/**
 * ServiceLB (K3s `pkg/cloudprovider/servicelb`), the server's half: every agent binds a
 * LoadBalancer Service's ports on its node IPs itself (its service proxy) and reports where
 * that worked on its own Node; this controller writes the union into the Service's
 * `status.loadBalancer.ingress`. Reports live on the nodes, so concurrent agents never
 * overwrite each other, and a deleted node's IPs leave with its Node.
 *
 * Off with `--disable=servicelb` (then LoadBalancer Services stay pending, as in K3s).
 */
import { keyOf } from "../../client/object-key.ts";
import { isStatusError } from "../../model/errors.ts";
import type { KubeObject } from "../../model/object.ts";
import { LB_INGRESS_ANNOTATION } from "../../model/cluster-network.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { ingressMatches, isServiceLbService, lbIngress } from "./plan.ts";

export class ServiceLbController implements Controller {
  readonly name = "servicelb";
  private ctx!: ControllerContext;
  private services!: SharedInformer;
  private nodes!: SharedInformer;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    if (!ctx.settings.serviceLb) return;
    this.services = ctx.informer("", "services");
    this.nodes = ctx.informer("", "nodes");
    this.services.addHandler({ onChange: (s) => isServiceLbService(s) && queue.add(keyOf(s)) });
    const reportChanged = (n: KubeObject, old?: KubeObject) => {
      if (old && old.metadata.annotations?.[LB_INGRESS_ANNOTATION] === n.metadata.annotations?.[LB_INGRESS_ANNOTATION] && !!old.metadata.deletionTimestamp === !!n.metadata.deletionTimestamp) return;
      // A handful of LoadBalancer Services at most: look at each.
      for (const s of this.services.list()) if (isServiceLbService(s)) queue.add(keyOf(s));
    };
    this.nodes.addHandler({ onChange: reportChanged, onDelete: (n) => reportChanged(n) });
    await Promise.all([this.services.start(ctx.signal), this.nodes.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<void> {
    const svc = this.services.get(key);
    if (!isServiceLbService(svc)) return;
    const ingress = lbIngress(key, this.nodes.list());
    if (ingressMatches(svc!, ingress)) return;
    const [ns, name] = key.split("/") as [string, string];
    try {
      await this.ctx.storage.update(
        this.services.def,
        ns,
        name,
        (cur) => {
          if (cur.metadata.uid !== svc!.metadata.uid) return cur;
          cur.status = { ...cur.status, loadBalancer: ingress.length ? { ingress } : {} };
          return cur;
        },
        { subresource: "status" },
      );
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

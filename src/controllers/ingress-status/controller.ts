/**
 * Writes `status.loadBalancer.ingress` of every Ingress k3rs serves: the addresses of the
 * Ready nodes (plan.ts). One writer on the server rather than one per node, so nodes coming
 * and going change the list without agents racing over it. Keyed by the Ingress; node and
 * IngressClass changes wake every Ingress. Ingresses of other classes are not touched.
 */
import type { Node } from "../../model/kinds.ts";
import type { KubeObject } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import { type ClassView, isOurIngress } from "../../net/ingress/ingress-class.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { ingressAddresses, sameIngressList } from "./plan.ts";

export class IngressStatusController implements Controller {
  static readonly NAME = "ingress-status";
  readonly name = IngressStatusController.NAME;
  private ctx!: ControllerContext;
  private ingresses!: SharedInformer;
  private classes!: SharedInformer;
  private nodes!: SharedInformer<Node>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.ingresses = ctx.informer("networking.k8s.io", "ingresses");
    this.classes = ctx.informer("networking.k8s.io", "ingressclasses");
    this.nodes = ctx.informer<Node>("", "nodes");
    const all = () => {
      for (const i of this.ingresses.list()) queue.add(keyOf(i));
    };
    this.ingresses.addHandler({ onChange: (i) => queue.add(keyOf(i)) });
    this.classes.addHandler({ onChange: all, onDelete: all });
    // Only what changes the answer: readiness, addresses, the exclusion label, the node's going.
    this.nodes.addHandler({
      onChange: (n, old) => {
        if (!old || JSON.stringify(ingressAddresses([n])) !== JSON.stringify(ingressAddresses([old]))) all();
      },
      onDelete: all,
    });
    await Promise.all([this.ingresses.start(ctx.signal), this.classes.start(ctx.signal), this.nodes.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<void> {
    const ing = this.ingresses.get(key);
    if (!ing || ing.metadata.deletionTimestamp) return;
    const classes: ClassView = { get: (n) => this.classes.get(n), list: () => this.classes.list() };
    if (!isOurIngress(ing, classes)) return;
    const want = ingressAddresses(this.nodes.list());
    if (sameIngressList(ing.status?.loadBalancer?.ingress, want)) return;
    const { namespace, name } = splitKey(key);
    try {
      await this.ctx.storage.update(
        this.ingresses.def,
        namespace,
        name,
        (cur: KubeObject) => {
          if (cur.metadata.uid !== ing.metadata.uid) return cur;
          cur.status = { ...cur.status, loadBalancer: { ...cur.status?.loadBalancer, ingress: want } };
          return cur;
        },
        { subresource: "status" },
      );
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

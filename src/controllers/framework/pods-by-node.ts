/** The pod informer indexed by spec.nodeName, shared by the controllers that act per node. */
import type { ControllerContext } from "./context.ts";
import type { SharedInformer } from "./informer-factory.ts";
import type { Pod } from "../../model/kinds.ts";

export const PODS_BY_NODE = "nodeName";

export function podsByNode(ctx: ControllerContext): SharedInformer<Pod> {
  const pods = ctx.informer<Pod>("", "pods");
  pods.addIndex(PODS_BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  return pods;
}

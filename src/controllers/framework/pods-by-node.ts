/** The pod informer indexed by spec.nodeName, shared by the controllers that act per node. */
import type { ControllerContext } from "./context.ts";
import type { SharedInformer } from "./informer-factory.ts";

export const PODS_BY_NODE = "nodeName";

export function podsByNode(ctx: ControllerContext): SharedInformer {
  const pods = ctx.informer("", "pods");
  pods.addIndex(PODS_BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  return pods;
}

/**
 * The taint eviction controller: deletes pods from nodes with NoExecute taints they do not
 * tolerate, at once or after their tolerationSeconds, marking them with a DisruptionTarget
 * condition first. Their controllers replace them elsewhere.
 */
import type { Node, Pod } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { PODS_BY_NODE, podsByNode } from "../framework/pods-by-node.ts";
import { setDisruptionTarget } from "../framework/pod-util.ts";
import { evictionTime, noExecuteTaints } from "./eviction-time.ts";

const COMPONENT = "taint-eviction-controller";

export class TaintEvictionController implements Controller {
  readonly name = "taint-eviction";
  readonly workers = 4;
  private ctx!: ControllerContext;
  private nodes!: SharedInformer<Node>;
  private pods!: SharedInformer;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.nodes = ctx.informer("", "nodes");
    this.pods = podsByNode(ctx);
    this.nodes.addHandler({
      onChange: (node, old) => {
        const taints = noExecuteTaints(node);
        if (!taints.length || Bun.deepEquals(taints, noExecuteTaints(old))) return;
        for (const p of this.pods.byIndex(PODS_BY_NODE, node.metadata.name!)) queue.add(keyOf(p));
      },
    });
    this.pods.addHandler({
      onChange: (pod) => {
        if (pod.spec?.nodeName && !pod.metadata.deletionTimestamp && noExecuteTaints(this.nodes.get(pod.spec.nodeName)).length) queue.add(keyOf(pod));
      },
    });
    await Promise.all([this.nodes.start(ctx.signal), this.pods.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<number | void> {
    const pod = this.pods.get(key);
    if (!pod?.spec?.nodeName || pod.metadata.deletionTimestamp) return;
    const now = this.ctx.now().getTime();
    const at = evictionTime(pod, noExecuteTaints(this.nodes.get(pod.spec.nodeName)), now);
    if (at === undefined) return;
    if (at > now) return at - now;
    await this.evict(pod);
  }

  private async evict(pod: Pod): Promise<void> {
    const { namespace, name } = splitKey(keyOf(pod));
    void this.ctx.events.record(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${namespace}/${name}`, COMPONENT);
    try {
      await this.ctx.storage.update(this.pods.def, namespace, name, (cur) => {
        if (cur.metadata.uid !== pod.metadata.uid) return cur;
        setDisruptionTarget(cur, "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint", this.ctx.now());
        return cur;
      }, { subresource: "status" });
      await this.ctx.storage.delete(this.pods.def, namespace, name, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
    }
  }
}

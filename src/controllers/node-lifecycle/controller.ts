/**
 * The node lifecycle controller: a node whose kubelet has renewed neither its Lease nor its
 * status for nodeMonitorGracePeriod (40 s) gets Unknown conditions and its pods are marked
 * not ready; every node carries the taints its conditions and cordon imply (not-ready,
 * unreachable, pressure, unschedulable). The NoExecute ones make the taint eviction
 * controller move pods away.
 *
 * Silence is measured on this controller's own clock — when it last saw the lease or the
 * heartbeat change — never by comparing the kubelet's timestamps with ours (clock skew).
 */
import type { KubeObject } from "../../model/object.ts";
import type { Node } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { isPodReady } from "../framework/pod-util.ts";
import { readyStatus, reconcileTaints, silencedConditions } from "./node-health.ts";
import { PODS_BY_NODE, podsByNode } from "../framework/pods-by-node.ts";
import { nowTimestamp } from "../../model/object.ts";

const COMPONENT = "node-controller";
const LEASE_NAMESPACE = "kube-node-lease";

interface Heard {
  atMs: number;
  heartbeat?: string | null;
  renewTime?: string;
}

function heartbeatOf(node: Node): string | null | undefined {
  return (node.status?.conditions ?? []).find((c) => c.type === "Ready")?.lastHeartbeatTime;
}

export class NodeLifecycleController implements Controller {
  readonly name = "node-lifecycle";
  readonly workers = 2;
  private ctx!: ControllerContext;
  private nodes!: SharedInformer<Node>;
  private pods!: SharedInformer;
  private readonly heard = new Map<string, Heard>();

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.nodes = ctx.informer("", "nodes");
    this.pods = podsByNode(ctx);
    const leases = ctx.informer("coordination.k8s.io", "leases");
    const now = () => ctx.now().getTime();
    this.nodes.addHandler({
      onChange: (node) => {
        const name = node.metadata.name!;
        const h = this.heard.get(name);
        const beat = heartbeatOf(node);
        if (!h) this.heard.set(name, { atMs: now(), heartbeat: beat });
        else if (beat !== h.heartbeat) Object.assign(h, { atMs: now(), heartbeat: beat });
        queue.add(name);
      },
      onDelete: (node) => this.heard.delete(node.metadata.name!),
    });
    leases.addHandler({
      onChange: (lease) => {
        if (lease.metadata.namespace !== LEASE_NAMESPACE) return;
        const name = lease.metadata.name!;
        const renew = lease.spec?.renewTime;
        const h = this.heard.get(name);
        if (!h) this.heard.set(name, { atMs: now(), renewTime: renew });
        else if (renew !== h.renewTime) Object.assign(h, { atMs: now(), renewTime: renew });
        if (this.nodes.get(name)) queue.add(name);
      },
    });
    await Promise.all([this.nodes.start(ctx.signal), this.pods.start(ctx.signal), leases.start(ctx.signal)]);
  }

  async reconcile(name: string): Promise<number | void> {
    let node = this.nodes.get(name);
    if (!node) return;
    const now = this.ctx.now().getTime();
    const heard = this.heard.get(name) ?? this.heard.set(name, { atMs: now, heartbeat: heartbeatOf(node) }).get(name)!;
    const grace = this.ctx.settings.nodeMonitorGracePeriodMs;
    const silentMs = now - heard.atMs;
    let requeue: number | undefined;
    if (silentMs >= grace) {
      const conditions = silencedConditions(node, now);
      if (!Bun.deepEquals(conditions, node.status?.conditions ?? [])) {
        const wasReady = readyStatus(node) === "True";
        node = await this.update(node, (cur) => void (cur.status = { ...cur.status, conditions: silencedConditions(cur, now) }), "status");
        if (!node) return;
        if (wasReady) void this.ctx.events.record(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`, COMPONENT);
        await this.markPodsNotReady(name);
      }
    } else {
      requeue = grace - silentMs + 50;
    }
    const taints = reconcileTaints(node, now);
    if (!Bun.deepEquals(taints, node.spec?.taints ?? [])) {
      await this.update(node, (cur) => {
        const next = reconcileTaints(cur, now);
        if (next.length) cur.spec = { ...cur.spec, taints: next };
        else if (cur.spec) delete cur.spec.taints;
      });
    }
    return requeue;
  }

  /** Pods on a silent node can no longer be trusted to serve (MarkPodsNotReady). */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const stamp = nowTimestamp(this.ctx.now());
    await Promise.all(this.pods.byIndex(PODS_BY_NODE, nodeName).filter(isPodReady).map(async (pod) => {
      try {
        await this.ctx.storage.update(this.pods.def, pod.metadata.namespace, pod.metadata.name!, (cur) => {
          if (cur.metadata.uid !== pod.metadata.uid) return cur;
          for (const c of cur.status?.conditions ?? []) {
            if (c.type === "Ready" && c.status !== "False") Object.assign(c, { status: "False", lastTransitionTime: stamp });
          }
          return cur;
        }, { subresource: "status" });
      } catch (e) {
        if (!isStatusError(e, "NotFound")) throw e;
      }
    }));
  }

  private async update(node: Node, edit: (cur: KubeObject) => void, subresource?: string): Promise<KubeObject | undefined> {
    try {
      const { object } = await this.ctx.storage.update(this.nodes.def, undefined, node.metadata.name!, (cur) => {
        if (cur.metadata.uid === node.metadata.uid) edit(cur);
        return cur;
      }, subresource ? { subresource } : {});
      return object;
    } catch (e) {
      if (isStatusError(e, "NotFound")) return undefined;
      throw e;
    }
  }
}

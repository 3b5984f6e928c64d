/**
 * Node IPAM: every node gets `spec.podCIDR`/`podCIDRs` from the cluster CIDR once, so agents
 * can give their pods addresses that route across nodes. One worker, so two nodes never
 * receive the same block; the informer sees each assignment before the next reconcile.
 */
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import type { Node } from "../../model/kinds.ts";
import { nextFreeBlock, parseIpv4Cidr, type Ipv4Block } from "./cidr-allocator.ts";

const RETRY_WHEN_FULL_MS = 60_000;

export class NodeIpamController implements Controller {
  readonly name = "node-ipam";
  readonly workers = 1;
  private ctx!: ControllerContext;
  private nodes!: SharedInformer<Node>;
  private cluster!: Ipv4Block;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.cluster = parseIpv4Cidr(ctx.settings.clusterCidr);
    this.nodes = ctx.informer("", "nodes");
    this.nodes.addHandler({ onChange: (n) => void (!n.spec?.podCIDR && queue.add(n.metadata.name!)) });
    await this.nodes.start(ctx.signal);
  }

  async reconcile(name: string): Promise<number | void> {
    const node = this.nodes.get(name);
    if (!node || node.spec?.podCIDR || node.metadata.deletionTimestamp) return;
    const used = new Set<string>();
    for (const n of this.nodes.cache.values()) for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) used.add(c);
    const cidr = nextFreeBlock(this.cluster, this.ctx.settings.nodeCidrMaskSize, used);
    if (!cidr) {
      await this.ctx.events.record(node, "Normal", "CIDRNotAvailable", `Node ${name} status is now: CIDRNotAvailable`, "cidrAllocator");
      return RETRY_WHEN_FULL_MS;
    }
    await this.ctx.storage.update(this.nodes.def, undefined, name, (cur) => {
      if (cur.spec?.podCIDR) return cur;
      cur.spec = { ...cur.spec, podCIDR: cidr, podCIDRs: [cidr] };
      return cur;
    });
    await this.ctx.events.record(node, "Normal", "CIDRAssignmentSucceeded", `Node ${name} is assigned pod CIDR ${cidr}`, "cidrAllocator");
  }
}

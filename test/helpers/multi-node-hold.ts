/**
 * Starts a multi-node cluster and holds it until stdin closes (or forever, if stdin is a
 * terminal and nobody presses Ctrl-D), printing `READY <kubeconfig>` once every node is Ready:
 * for poking at a cluster by hand, and for the harness test that kills this process to leave
 * a crashed run's remains behind.
 *
 *   bun test/helpers/multi-node-hold.ts PREFIX SUBNET CLUSTER_CIDR [AGENTS] [-- server flags]
 *   kubectl --kubeconfig /tmp/k3rs-PREFIX/kubeconfig.yaml get nodes
 */
import { startMultiNode } from "./multi-node.ts";

const [prefix, subnet, clusterCidr, agents, ...rest] = process.argv.slice(2);
if (!prefix || !subnet || !clusterCidr) {
  console.error("usage: bun test/helpers/multi-node-hold.ts PREFIX SUBNET CLUSTER_CIDR [AGENTS] [-- server flags]");
  process.exit(2);
}
const serverArgs = rest[0] === "--" ? rest.slice(1) : [];
const c = await startMultiNode({ prefix, subnet: Number(subnet), clusterCidr, agents: agents ? Number(agents) : 1, serverArgs });
console.log(`READY ${c.kubeconfig}`);
for await (const _ of Bun.stdin.stream()) {
  // held until stdin closes
}
await c.close();
console.log("CLOSED");
process.exit(0);

/**
 * One node's service proxy as its own process, for tests and benchmarks that run it inside a
 * network namespace (`nsenter --net=/run/netns/NS bun service-proxy-node.ts NS NODE_IP…`),
 * driven over line RPC: Service/EndpointSlice events in, listener state, LoadBalancer reports
 * and metrics out. ClusterIPs go on the namespace's dummy interface through `ip -n NS`.
 */
import client from "prom-client";
import { ServiceAddresses, ipRunner } from "../../src/net/proxy/addresses.ts";
import type { LoadBalancerStatus } from "../../src/net/proxy/load-balancer.ts";
import { ServiceProxy } from "../../src/net/proxy/service-proxy.ts";
import { serveRpc } from "./line-rpc.ts";

const [netns, ...nodeIPs] = process.argv.slice(2);
if (!netns) throw new Error("usage: service-proxy-node.ts NETNS NODE_IP...");

const addresses = new ServiceAddresses({ run: ipRunner(netns) });
await addresses.setup();
const registry = new client.Registry();
const reports: LoadBalancerStatus[] = [];
const proxy = new ServiceProxy({
  nodeName: "node-a",
  nodeIPs,
  registry,
  addresses,
  connectTimeoutMs: 1000,
  bindRetryMs: 200,
  udpIdleMs: 5000,
  onLoadBalancer: (s) => reports.push(s),
});

await serveRpc(
  {
    service: ({ type, object }) => proxy.applyService(type, object),
    slice: ({ type, object }) => proxy.applyEndpointSlice(type, object),
    synced: async () => {
      await proxy.synced();
      return { ...proxy.state(), addresses: await addresses.list() };
    },
    lbStatus: ({ service }) => proxy.loadBalancerStatus(service) ?? null,
    lbReports: () => reports,
    metrics: () => registry.metrics(),
    markSynced: () => proxy.markSynced(),
    ready: () => true,
  },
  async () => {
    await proxy.stop();
    await addresses.cleanup();
    process.exit(0);
  },
);

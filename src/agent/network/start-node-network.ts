/**
 * Brings a real node into the cluster network at agent start, before its pods (see
 * node-network.ts). A configuration that cannot work (NodeSetupError: a stale interface, a
 * missing --resolv-conf) stops the agent; anything else (no root, no iproute2) leaves the node
 * without the cluster network but registered, NotReady with the reason — as a node whose
 * container runtime is down — instead of an agent that dies.
 */
import type client from "prom-client";
import type { RestClient } from "../../client/rest-client.ts";
import type { ClusterNetwork } from "../../model/cluster-network.ts";
import type { AgentApi } from "../agent-api.ts";
import { NodeSetupError } from "../node/node-setup-error.ts";
import { fetchClusterNetwork } from "./cluster-network-source.ts";
import { NodeNetwork } from "./node-network.ts";
import type { NetRunner } from "../../net/routes/index.ts";
import { log } from "../../log.ts";

export interface StartNodeNetworkOptions {
  client: RestClient;
  api: AgentApi;
  nodeName: string;
  nodeIP: string;
  tunnelIP?: string;
  dataDir: string;
  /** The server's settings when known (the embedded agent); otherwise asked of the server. */
  network?: ClusterNetwork;
  resolvConf?: string;
  registry: client.Registry;
  signal: AbortSignal;
  /** Test seam: iproute2 (default: on this host). */
  run?: NetRunner;
  /** Where the Ingress controller listens (default every address, ports 80 and 443). */
  ingress?: { addresses: string[]; http: number; https: number };
}

export async function startNodeNetwork(o: StartNodeNetworkOptions): Promise<{ network?: NodeNetwork; problem?: string }> {
  const settings = o.network ?? (await fetchClusterNetwork(o.client, o.signal));
  const own = new AbortController();
  o.signal.addEventListener("abort", () => own.abort(), { once: true });
  const network = new NodeNetwork({
    client: o.client,
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    tunnelIP: o.tunnelIP,
    dataDir: o.dataDir,
    network: settings,
    resolvConf: o.resolvConf,
    registry: o.registry,
    patchNode: (patch) => o.api.patchNode(o.nodeName, patch),
    event: (obj, type, reason, message) => void o.api.event(obj, type, reason, message, o.nodeName),
    signal: own.signal,
    run: o.run,
    // Every address, as K3s's Traefik behind ServiceLB answers on all of the node's (127.0.0.1 too).
    ingress: o.ingress ?? { addresses: ["0.0.0.0"], http: 80, https: 443 },
  });
  try {
    await network.start();
    return { network };
  } catch (e) {
    own.abort();
    if (e instanceof NodeSetupError) throw e;
    const problem = `cluster network is not available: ${errorText(e)}`;
    log.error("agent: starting the node network failed; the node stays NotReady", { error: problem });
    return { problem };
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.cause ? `${e.message}: ${errorText(e.cause)}` : e.message;
  return String(e);
}

/**
 * The node's way in from the server: its agent API (container logs now; exec, port-forward
 * and metrics later) served on the streams the server opens through the agent tunnel — the
 * node needs no open port and can sit behind NAT. The embedded agent of `k3rs server` takes
 * the same path over loopback.
 */
import type client from "prom-client";
import type { RestClient } from "../client/rest-client.ts";
import type { Runtime } from "./runtime/types.ts";
import type { PodManager } from "./pods/pod-manager.ts";
import { createKubeletApi } from "./kubelet-api/kubelet-api.ts";
import { TunnelClient } from "../tunnel/agent.ts";
import { log } from "../log.ts";

export interface NodeTunnelOptions {
  client: RestClient;
  nodeName: string;
  pods: PodManager;
  runtime: Runtime;
  /** Root of the CRI log files; undefined for the fake runtime. */
  logRoot?: string;
  /** The node's own Prometheus metrics (service proxy, cluster DNS), served at /metrics as the kubelet serves its own. */
  metrics?: client.Registry;
  signal: AbortSignal;
}

/** Starts the tunnel; undefined when the client has no certificate to present (in-process test clients). */
export function startNodeTunnel(o: NodeTunnelOptions): TunnelClient | undefined {
  const { server, cert, key } = o.client.config;
  if (!cert || !key || !/^https:\/\//.test(server)) {
    log.debug("agent: no client certificate for a tunnel; the server cannot reach this node", { node: o.nodeName });
    return undefined;
  }
  const api = createKubeletApi({ podByName: (ns, name) => o.pods.podByName(ns, name), runtime: o.runtime, logRoot: o.logRoot, metrics: o.metrics });
  o.signal.addEventListener("abort", () => api.close(), { once: true });
  // Read at every connection: after a renewal (cert-renewer.ts) the tunnel reconnects with the new certificate.
  const tls = () => ({ ca: o.client.config.ca, cert: o.client.config.cert ?? cert, key: o.client.config.key ?? key });
  return new TunnelClient({ server, tls, nodeName: o.nodeName, signal: o.signal, serve: (stream) => api.serveConnection(stream) }).start();
}

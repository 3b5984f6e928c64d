/**
 * The cluster DNS server, one per node: UDP and TCP on one address (10.43.0.10:53 in a
 * cluster), answering `cluster.local` from a ClusterDnsStore the caller feeds, and forwarding
 * everything else to the node's resolvers.
 *
 * ```ts
 * const store = new ClusterDnsStore({ dnsServiceIp: "10.43.0.10" });
 * const dns = await startClusterDns({ store, hostname: "10.43.0.10", port: 53,
 *   upstreams: await nodeUpstreams(), registry, signal });
 * for (const [path, kind] of [["/api/v1/services", "Service"], ["/apis/discovery.k8s.io/v1/endpointslices",
 *   "EndpointSlice"], ["/api/v1/nodes", "Node"], ["/api/v1/pods", "Pod"]] as const)
 *   void new ClientInformer(rest, { path, signal }, store.handlerFor(kind)).start();
 * ```
 */
import type { TCPSocketListener } from "bun";
import type client from "prom-client";
import { log } from "../../log.ts";
import { DnsMetrics } from "./metrics.ts";
import { QueryHandler } from "./query-handler.ts";
import type { ClusterDnsStore } from "./record-store.ts";
import { ResilientUdpSocket } from "./resilient-udp.ts";
import { ResponseCache, type ResponseCacheOptions } from "./response-cache.ts";
import { listenTcp } from "./tcp-listener.ts";
import { parseServer, UpstreamResolver } from "./upstream.ts";

export interface ClusterDnsOptions {
  store: ClusterDnsStore;
  /** Address to serve on (10.43.0.10 in a cluster, 127.0.0.x in tests). */
  hostname: string;
  /** Port for both UDP and TCP; 53 in a cluster, 0 picks a free UDP port (TCP then uses the same number). */
  port: number;
  /** Upstream resolvers (`ip` or `ip:port`), see nodeUpstreams(); empty means SERVFAIL for outside names. */
  upstreams: string[];
  /** Registry for the k3rs_dns_* metrics; none means no metrics. */
  registry?: client.Registry;
  /** Per-upstream attempt timeout; default 2000 ms. */
  upstreamTimeoutMs?: number;
  cache?: ResponseCacheOptions;
  /** Serve TCP as well; default true. */
  tcp?: boolean;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

export interface ClusterDns {
  readonly hostname: string;
  readonly port: number;
  readonly handler: QueryHandler;
  /** The UDP socket (it re-binds itself if Bun closes it). */
  readonly udp: ResilientUdpSocket;
  /** Stops listening and forwarding; idempotent. */
  stop(): void;
}

export async function startClusterDns(o: ClusterDnsOptions): Promise<ClusterDns> {
  const metrics = o.registry ? new DnsMetrics(o.registry) : undefined;
  // Forwarding to ourselves would loop (a node whose resolv.conf names the cluster DNS).
  const upstreams = o.upstreams.filter((u) => {
    const s = parseServer(u);
    return !(s.host === o.hostname && s.port === o.port);
  });
  if (upstreams.length < o.upstreams.length) log.warn("cluster DNS: not forwarding to itself", { address: o.hostname, upstreams: o.upstreams });
  const upstream = new UpstreamResolver({ servers: upstreams, timeoutMs: o.upstreamTimeoutMs, metrics });
  const handler = new QueryHandler({ store: o.store, upstream, metrics, cache: new ResponseCache(o.cache) });
  let udp: ResilientUdpSocket | undefined;
  let tcp: TCPSocketListener<unknown> | undefined;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    udp?.close();
    tcp?.stop(true);
    upstream.close();
    handler.close();
  };
  const openUdp = () =>
    ResilientUdpSocket.open({
      hostname: o.hostname,
      port: o.port,
      name: "cluster-dns",
      onData: (data, port, address, sock) => {
        const reply = handler.handle(data, "udp");
        if (reply instanceof Promise) reply.then((r) => r && sock.send(r, port, address), () => {});
        else if (reply) sock.queue(reply, port, address);
      },
    });
  try {
    udp = await openUdp();
    // Port 0: the UDP port the kernel picked may be taken for TCP; try a few more.
    for (let attempt = 0; o.tcp !== false && !tcp; attempt++) {
      try {
        tcp = listenTcp({ hostname: o.hostname, port: udp.port, handle: (msg) => handler.handle(msg, "tcp") }) as TCPSocketListener<unknown>;
      } catch (cause) {
        if (o.port !== 0 || attempt === 4) throw new Error(`listening on TCP ${o.hostname}:${udp.port} for cluster DNS`, { cause });
        udp.close();
        udp = await openUdp();
      }
    }
  } catch (err) {
    stop();
    throw err;
  }
  o.signal?.addEventListener("abort", stop, { once: true });
  log.info("cluster DNS listening", { address: `${o.hostname}:${udp.port}`, upstreams: o.upstreams });
  return { hostname: o.hostname, port: udp.port, handler, udp, stop };
}

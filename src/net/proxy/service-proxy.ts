/**
 * The service proxy of one node (kube-proxy's job, in userspace on Bun's sockets): fed
 * Service and EndpointSlice events, it keeps a listener per frontend (ClusterIP, NodePort,
 * LoadBalancer port on the node IPs) and relays each new connection to a target the table
 * picks at that moment.
 *
 * Events change the table synchronously, so the next connection uses the new endpoints at
 * once; opening and closing listeners (and ClusterIP addresses) is a serialized reconcile of
 * "frontends in the table" against "listeners open", retried while a bind fails (a host port
 * taken, as ServiceLB's pod would wait for it).
 *
 * @example
 * const proxy = startServiceProxy({ nodeName: "n1", nodeIPs: ["192.168.1.5"], registry,
 *   addresses: new ServiceAddresses({ run: ipRunner() }), onLoadBalancer: (s) => report(s) });
 * informer.on("event", (type, obj) => obj.kind === "Service" ? proxy.applyService(type, obj) : proxy.applyEndpointSlice(type, obj));
 */
import type client from "prom-client";
import { log } from "../../log.ts";
import type { KubeObject } from "../../model/object.ts";
import type { AddressOwner } from "./addresses.ts";
import { type LoadBalancerStatus, loadBalancerStatus } from "./load-balancer.ts";
import { ProxyMetrics } from "./metrics.ts";
import { ServiceTable } from "./service-table.ts";
import { type TcpListener, listenTcp } from "./tcp-proxy.ts";
import type { Frontend } from "./types.ts";
import { type UdpListener, listenUdp } from "./udp-proxy.ts";

export interface ServiceProxyOptions {
  nodeName: string;
  /** addresses NodePort and LoadBalancer ports listen on (the node's InternalIP/ExternalIP) */
  nodeIPs: string[];
  /** where the proxy's metrics register (the agent's /metrics registry) */
  registry: client.Registry;
  /** puts ClusterIPs on a local interface; omit when they are local already (tests on loopback) */
  addresses?: AddressOwner;
  /** per upstream connect attempt; the next endpoint is tried after it (default 3000) */
  connectTimeoutMs?: number;
  /** a UDP session without traffic for this long ends (default 30000, conntrack's UDP timeout) */
  udpIdleMs?: number;
  /** UDP sessions per frontend before the oldest is ended (default 4096) */
  udpMaxSessions?: number;
  /**
   * ClusterIPs something else on the node serves itself (the cluster DNS on 10.43.0.10 answers
   * on every node): the proxy neither listens on them nor adds or removes their address.
   */
  excludeClusterIPs?: string[];
  /** answer LoadBalancer ports on the node IPs (ServiceLB); false with `--disable=servicelb` (default true) */
  loadBalancers?: boolean;
  /** how often failed binds are retried (default 5000) */
  bindRetryMs?: number;
  /** a LoadBalancer Service's state on this node changed: the lead's Event + status.loadBalancer */
  onLoadBalancer?: (status: LoadBalancerStatus) => void;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

type Listener = { protocol: "TCP"; l: TcpListener } | { protocol: "UDP"; l: UdpListener };

export class ServiceProxy {
  readonly table: ServiceTable;
  readonly metrics: ProxyMetrics;
  private readonly listeners = new Map<string, Listener>();
  private readonly bindErrors = new Map<string, string>();
  private readonly ips = new Set<string>();
  private readonly lastLB = new Map<string, string>();
  private dirty = false;
  private running?: Promise<void>;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private sweepTimer: ReturnType<typeof setInterval>;
  private stopped = false;
  private prune = false;

  constructor(private readonly opts: ServiceProxyOptions) {
    this.metrics = new ProxyMetrics(opts.registry);
    this.table = new ServiceTable({
      nodeName: opts.nodeName,
      nodeIPs: opts.nodeIPs,
      excludeClusterIPs: opts.excludeClusterIPs,
      loadBalancers: opts.loadBalancers,
      onFrontendsChanged: () => this.schedule(),
      onEndpointsChanged: (svc) => {
        this.metrics.endpointUpdates.inc();
        if (this.lastLB.has(svc)) this.reportLoadBalancer(svc);
      },
    });
    this.sweepTimer = setInterval(() => this.table.sweepAffinity(), 60_000);
    this.sweepTimer.unref?.();
  }

  /** A Service watch event. A malformed object is logged and skipped: one bad object must not stop the node's proxy. */
  applyService(type: WatchEventType, svc: KubeObject): void {
    try {
      if (type === "DELETED") this.table.deleteService(svc);
      else this.table.upsertService(svc);
    } catch (err) {
      log.error("proxy: Service not applied", { service: `${svc?.metadata?.namespace}/${svc?.metadata?.name}`, error: (err as Error).message });
    }
  }

  /** An EndpointSlice (discovery.k8s.io/v1) watch event. */
  applyEndpointSlice(type: WatchEventType, slice: KubeObject): void {
    try {
      if (type === "DELETED") this.table.deleteSlice(slice);
      else this.table.upsertSlice(slice);
    } catch (err) {
      log.error("proxy: EndpointSlice not applied", { slice: `${slice?.metadata?.namespace}/${slice?.metadata?.name}`, error: (err as Error).message });
    }
  }

  /** The node's addresses changed (NodePort and LoadBalancer listeners follow). */
  setNodeIPs(ips: string[]): void {
    this.opts.nodeIPs = [...ips];
    this.table.setNodeIPs(ips);
  }

  /**
   * The informers have listed every Service and EndpointSlice: ClusterIPs an earlier run left
   * on the interface that no Service wants now are removed. Before this, a missing Service may
   * only be one not listed yet, so nothing is removed that this run did not add.
   */
  markSynced(): void {
    this.prune = true;
    this.schedule();
  }

  /** Resolves once the listeners match the table (binds that failed are reported, not awaited). */
  async synced(): Promise<void> {
    while (this.running) await this.running;
  }

  /** This node's view of a LoadBalancer Service, or undefined when it is not one. */
  loadBalancerStatus(service: string): LoadBalancerStatus | undefined {
    const v = this.table.loadBalancer(service);
    return v && loadBalancerStatus(v, this.opts.nodeName, this.opts.nodeIPs, this.listeners, this.bindErrors);
  }

  /** Frontend keys with an open listener, and the bind errors of the others. */
  state(): { listening: string[]; bindErrors: Record<string, string> } {
    return { listening: [...this.listeners.keys()].sort(), bindErrors: Object.fromEntries(this.bindErrors) };
  }

  /**
   * Closes every listener. Open connections and the ClusterIP addresses stay: an agent that
   * restarts adopts the addresses (ServiceAddresses.setup) and clients reconnect.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.sweepTimer);
    await this.synced();
    for (const { l } of this.listeners.values()) l.stop();
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.running)
      this.running = this.loop().finally(() => {
        this.running = undefined;
      });
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.reconcile();
      } catch (err) {
        log.error("proxy: reconcile failed", { error: (err as Error).message });
        this.armRetry();
      }
    }
  }

  private async reconcile(): Promise<void> {
    const want = new Map<string, Frontend>();
    for (const f of this.table.frontends()) want.set(f.key, f);
    for (const [key, { l }] of this.listeners)
      if (!want.has(key)) {
        l.stop();
        this.listeners.delete(key);
      }
    for (const key of this.bindErrors.keys()) if (!want.has(key)) this.bindErrors.delete(key);

    const wantIPs = new Set<string>();
    for (const f of want.values()) if (f.kind === "ClusterIP") wantIPs.add(f.ip);
    const addrs = this.opts.addresses;
    if (addrs && this.prune && addrs.list) {
      this.prune = false;
      for (const ip of await addrs.list()) if (!wantIPs.has(ip)) this.ips.add(ip);
    }
    if (addrs) {
      for (const ip of [...this.ips])
        if (!wantIPs.has(ip)) {
          await addrs.remove(ip).catch((err) => log.warn("proxy: removing a ClusterIP failed", { ip, error: (err as Error).message }));
          this.ips.delete(ip);
        }
    }

    for (const f of want.values()) {
      if (this.listeners.has(f.key) || this.stopped) continue;
      try {
        if (addrs && f.kind === "ClusterIP" && !this.ips.has(f.ip)) {
          await addrs.add(f.ip).catch((cause) => {
            this.metrics.error("address");
            throw new Error(`owning ClusterIP ${f.ip}`, { cause });
          });
          this.ips.add(f.ip);
        }
        // The table may have moved on while we awaited; a frontend gone is not bound.
        if (this.table.frontend(f.key) !== f) continue;
        const deps = { picker: this.table, metrics: this.metrics };
        const l: Listener =
          f.protocol === "TCP"
            ? { protocol: "TCP", l: listenTcp(f, { ...deps, connectTimeoutMs: this.opts.connectTimeoutMs ?? 3000 }) }
            : { protocol: "UDP", l: await listenUdp(f, { ...deps, idleMs: this.opts.udpIdleMs ?? 30_000, maxSessions: this.opts.udpMaxSessions }) };
        this.listeners.set(f.key, l);
        this.bindErrors.delete(f.key);
      } catch (err) {
        const msg = describeBindError(err);
        if (this.bindErrors.get(f.key) !== msg) {
          this.metrics.error("bind");
          log.warn("proxy: cannot listen", { frontend: f.key, service: f.service, error: msg });
        }
        this.bindErrors.set(f.key, msg);
      }
    }
    if (this.bindErrors.size > 0) this.armRetry();
    this.reportLoadBalancers();
  }

  private armRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule();
    }, this.opts.bindRetryMs ?? 5000);
  }

  private reportLoadBalancers(): void {
    const seen = new Set<string>();
    for (const v of this.table.loadBalancers()) {
      seen.add(v.service);
      this.emit(loadBalancerStatus(v, this.opts.nodeName, this.opts.nodeIPs, this.listeners, this.bindErrors));
    }
    for (const svc of [...this.lastLB.keys()]) if (!seen.has(svc)) this.lastLB.delete(svc);
  }

  private reportLoadBalancer(service: string): void {
    const s = this.loadBalancerStatus(service);
    if (s) this.emit(s);
  }

  private emit(s: LoadBalancerStatus): void {
    const j = JSON.stringify(s);
    if (this.lastLB.get(s.service) === j) return;
    this.lastLB.set(s.service, j);
    try {
      this.opts.onLoadBalancer?.(s);
    } catch (err) {
      log.error("proxy: onLoadBalancer threw", { service: s.service, error: (err as Error).message });
    }
  }
}

function describeBindError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: unknown };
  if (e?.code === "EADDRINUSE") return "address already in use";
  if (e?.code === "EADDRNOTAVAIL") return "address not available on this node";
  const cause = e?.cause as { message?: string } | undefined;
  return cause?.message ? `${e.message}: ${cause.message}` : (e?.message ?? String(err));
}

export function startServiceProxy(opts: ServiceProxyOptions): ServiceProxy {
  return new ServiceProxy(opts);
}

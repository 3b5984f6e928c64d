/**
 * The proxy's view of Services and EndpointSlices, fed object by object from informers.
 * Each event touches one Service: its frontends are re-planned (a handful of ports) and their
 * target arrays swapped in place, so a listener's next connection sees the change with one map
 * lookup and no table-wide rebuild. Connections already open keep the target they have.
 */
import type { V1ServicePort, V1ServiceSpec } from "@kubernetes/client-node";
import type { KubeObject } from "../../model/object.ts";
import { objectKey } from "../../model/object.ts";
import { portEndpoints } from "./endpoints.ts";
import { SliceIndex } from "./slice-index.ts";
import { type Affinity, type Frontend, type FrontendKind, type Protocol, type Target, frontendKey } from "./types.ts";

/** Kubernetes' default for `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours). */
export const DEFAULT_AFFINITY_SECONDS = 10800;

export interface ServiceTableOptions {
  /** this node's name: `Local` traffic policies keep endpoints whose `nodeName` matches */
  nodeName?: string;
  /** addresses NodePort and LoadBalancer ports answer on */
  nodeIPs?: string[];
  /** ClusterIPs served by something else on the node; no frontend is made for them */
  excludeClusterIPs?: string[];
  /** make LoadBalancer frontends (ServiceLB); default true */
  loadBalancers?: boolean;
  now?: () => number;
  /** the set of frontends of `service` changed (listeners to open or close) */
  onFrontendsChanged?: (service: string) => void;
  /** the targets of `service` were recomputed */
  onEndpointsChanged?: (service: string) => void;
}

/** A frontend a Service wants but another Service already holds (two LBs on one port). */
export interface BlockedFrontend {
  key: string;
  heldBy: string;
}

export interface PlannedFrontend {
  key: string;
  ip: string;
  port: number;
  protocol: Protocol;
  kind: FrontendKind;
  portName: string;
}

interface ServiceState {
  key: string;
  type: string;
  externalLocal: boolean;
  internalLocal: boolean;
  affinitySeconds?: number;
  spec: V1ServiceSpec;
  frontends: Map<string, Frontend>;
  blocked: BlockedFrontend[];
  /** `portName/protocol` → the affinity table shared by that port's frontends */
  affinities: Map<string, Affinity>;
}

/** What the table knows about one LoadBalancer Service on this node. */
export interface LoadBalancerView {
  service: string;
  frontends: Frontend[];
  blocked: BlockedFrontend[];
  externalTrafficLocal: boolean;
  /** this node has an endpoint that `Local` traffic could go to */
  hasLocalEndpoints: boolean;
}

export class ServiceTable {
  private readonly services = new Map<string, ServiceState>();
  private readonly byKey = new Map<string, Frontend>();
  private readonly slices = new SliceIndex();
  private readonly now: () => number;
  private nodeIPs: string[];
  private readonly excluded: ReadonlySet<string>;

  constructor(private readonly opts: ServiceTableOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.nodeIPs = [...(opts.nodeIPs ?? [])];
    this.excluded = new Set(opts.excludeClusterIPs ?? []);
  }

  frontend(key: string): Frontend | undefined {
    return this.byKey.get(key);
  }

  frontends(): IterableIterator<Frontend> {
    return this.byKey.values();
  }

  serviceKeys(): IterableIterator<string> {
    return this.services.keys();
  }

  frontendsOf(service: string): Frontend[] {
    return [...(this.services.get(service)?.frontends.values() ?? [])];
  }

  /** Node addresses changed: NodePort and LoadBalancer frontends move with them. */
  setNodeIPs(ips: string[]): void {
    this.nodeIPs = [...ips];
    for (const s of [...this.services.values()]) this.apply(s);
  }

  upsertService(svc: KubeObject): void {
    const key = objectKey(svc.metadata.namespace, svc.metadata.name ?? "");
    const spec: V1ServiceSpec = svc.spec ?? {};
    const prev = this.services.get(key);
    const affinitySeconds =
      spec.sessionAffinity === "ClientIP" ? Number(spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
    const state: ServiceState = prev ?? { key, type: "", externalLocal: false, internalLocal: false, spec, frontends: new Map(), blocked: [], affinities: new Map() };
    state.type = spec.type ?? "ClusterIP";
    state.externalLocal = spec.externalTrafficPolicy === "Local";
    state.internalLocal = spec.internalTrafficPolicy === "Local";
    state.affinitySeconds = affinitySeconds;
    state.spec = spec;
    if (affinitySeconds === undefined) state.affinities.clear();
    else for (const a of state.affinities.values()) a.timeoutMs = affinitySeconds * 1000;
    this.services.set(key, state);
    this.apply(state);
  }

  deleteService(svc: KubeObject | string): void {
    const key = typeof svc === "string" ? svc : objectKey(svc.metadata.namespace, svc.metadata.name ?? "");
    const state = this.services.get(key);
    if (!state) return;
    this.services.delete(key);
    let released = false;
    for (const f of state.frontends.keys()) {
      this.byKey.delete(f);
      released = true;
    }
    this.opts.onFrontendsChanged?.(key);
    if (released) this.retryBlocked();
  }

  upsertSlice(slice: KubeObject): void {
    for (const svc of this.slices.upsert(slice)) this.refreshTargets(svc);
  }

  deleteSlice(slice: KubeObject): void {
    const owner = this.slices.delete(slice);
    if (owner) this.refreshTargets(owner);
  }

  /**
   * The target for a new connection or UDP session from `clientIP`: the client's affinity
   * target while it is still a target, else the next one round-robin. `exclude` holds targets
   * that already refused this connection.
   */
  pick(f: Frontend, clientIP: string | undefined, exclude?: ReadonlySet<string>): Target | undefined {
    const ts = f.targets;
    if (ts.length === 0) return undefined;
    const a = clientIP ? f.affinity : undefined;
    const now = a ? this.now() : 0;
    if (a) {
      const e = a.byClient.get(clientIP!);
      if (e && e.expires > now && !exclude?.has(e.target)) {
        const t = ts.find((x) => x.key === e.target);
        if (t) {
          e.expires = now + a.timeoutMs;
          return t;
        }
      }
    }
    let chosen: Target | undefined;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[f.next++ % ts.length]!;
      if (!exclude?.has(t.key)) {
        chosen = t;
        break;
      }
    }
    if (f.next > 1e9) f.next = 0;
    if (chosen && a) a.byClient.set(clientIP!, { target: chosen.key, expires: now + a.timeoutMs });
    return chosen;
  }

  /** Drops expired affinity entries; the proxy calls it on a slow timer. */
  sweepAffinity(): number {
    const now = this.now();
    let dropped = 0;
    for (const s of this.services.values())
      for (const a of s.affinities.values())
        for (const [ip, e] of a.byClient)
          if (e.expires <= now) {
            a.byClient.delete(ip);
            dropped++;
          }
    return dropped;
  }

  loadBalancers(): LoadBalancerView[] {
    const out: LoadBalancerView[] = [];
    for (const s of this.services.values()) {
      const v = this.viewOf(s);
      if (v) out.push(v);
    }
    return out;
  }

  /** One LoadBalancer Service's view, or undefined when it is not one (a map lookup). */
  loadBalancer(service: string): LoadBalancerView | undefined {
    const s = this.services.get(service);
    return s && this.viewOf(s);
  }

  private viewOf(s: ServiceState): LoadBalancerView | undefined {
    if (s.type !== "LoadBalancer") return undefined;
    const frontends = [...s.frontends.values()].filter((f) => f.kind === "LoadBalancer");
    const lbKeys = new Set(planFrontends(s.spec, this.nodeIPs, this.excluded, this.opts.loadBalancers !== false).filter((p) => p.kind === "LoadBalancer").map((p) => p.key));
    const blocked = s.blocked.filter((b) => lbKeys.has(b.key));
    if (frontends.length === 0 && blocked.length === 0) return undefined;
    return {
      service: s.key,
      frontends,
      blocked,
      externalTrafficLocal: s.externalLocal,
      hasLocalEndpoints: frontends.some((f) => f.targets.length > 0) || !s.externalLocal,
    };
  }

  /** Makes the Service's frontends match its plan, reusing frontend objects that stay. */
  private apply(s: ServiceState): void {
    const plan = planFrontends(s.spec, this.nodeIPs, this.excluded, this.opts.loadBalancers !== false);
    const want = new Map(plan.map((p) => [p.key, p]));
    let changed = false;
    let released = false;
    for (const k of [...s.frontends.keys()]) {
      if (want.has(k)) continue;
      s.frontends.delete(k);
      this.byKey.delete(k);
      changed = released = true;
    }
    s.blocked = [];
    for (const p of want.values()) {
      let f = s.frontends.get(p.key);
      if (!f) {
        const holder = this.byKey.get(p.key);
        if (holder && holder.service !== s.key) {
          s.blocked.push({ key: p.key, heldBy: holder.service });
          continue;
        }
        f = { key: p.key, ip: p.ip, port: p.port, protocol: p.protocol, kind: p.kind, service: s.key, portName: p.portName, targets: [], generation: 0, next: 0 };
        s.frontends.set(p.key, f);
        this.byKey.set(p.key, f);
        changed = true;
      } else {
        f.kind = p.kind;
        f.portName = p.portName;
      }
      f.affinity = this.affinityFor(s, p.portName, p.protocol);
    }
    this.refreshTargets(s.key);
    if (changed) this.opts.onFrontendsChanged?.(s.key);
    if (released) this.retryBlocked();
  }

  private affinityFor(s: ServiceState, portName: string, protocol: Protocol): Affinity | undefined {
    if (s.affinitySeconds === undefined) return undefined;
    const k = `${portName}/${protocol}`;
    let a = s.affinities.get(k);
    if (!a) s.affinities.set(k, (a = { timeoutMs: s.affinitySeconds * 1000, byClient: new Map() }));
    return a;
  }

  private refreshTargets(key: string): void {
    const s = this.services.get(key);
    if (!s || s.frontends.size === 0) return;
    const all = this.slices.of(key);
    // Dual-stack Services have a slice per family; like kube-proxy, an IPv4 frontend relays to
    // IPv4 endpoints and an IPv6 one to IPv6 — unless its family has none (a single-stack
    // Service's NodePort on a node address of the other family), where any endpoint serves.
    const byFamily = { 4: all.filter((x) => x.family === 4), 6: all.filter((x) => x.family === 6) };
    const cache = new Map<string, ReturnType<typeof portEndpoints>>();
    for (const f of s.frontends.values()) {
      const family = f.ip.includes(":") ? 6 : 4;
      const ck = `${f.portName}/${f.protocol}/${family}`;
      let pe = cache.get(ck);
      if (!pe) {
        pe = portEndpoints(byFamily[family], f.portName, f.protocol, this.opts.nodeName);
        if (pe.cluster.length === 0 && pe.local.length === 0) pe = portEndpoints(all, f.portName, f.protocol, this.opts.nodeName);
        cache.set(ck, pe);
      }
      const local = f.kind === "ClusterIP" ? s.internalLocal : s.externalLocal;
      f.targets = local ? pe.local : pe.cluster;
      f.generation++;
    }
    this.opts.onEndpointsChanged?.(key);
  }

  /** A frontend was released: Services that wanted it may take it now. */
  private retryBlocked(): void {
    for (const s of this.services.values()) if (s.blocked.length > 0) this.apply(s);
  }
}

/** The frontends a Service spec asks for; pure, so the table's tests read as tables. */
export function planFrontends(spec: V1ServiceSpec | undefined, nodeIPs: readonly string[], excludeClusterIPs: ReadonlySet<string> = new Set(), loadBalancers = true): PlannedFrontend[] {
  spec ??= {};
  const type = spec.type ?? "ClusterIP";
  if (type === "ExternalName") return [];
  const out: PlannedFrontend[] = [];
  const clusterIPs: string[] = (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter(
    (ip: unknown) => typeof ip === "string" && ip !== "" && ip !== "None",
  );
  // ServiceLB leaves Services with a loadBalancerClass to the controller that class names.
  const lb = loadBalancers && type === "LoadBalancer" && !spec.loadBalancerClass;
  for (const p of (Array.isArray(spec.ports) ? spec.ports : []) as V1ServicePort[]) {
    const protocol = p?.protocol ?? "TCP";
    if (protocol !== "TCP" && protocol !== "UDP") continue;
    if (typeof p.port !== "number") continue;
    const portName = p.name ?? "";
    const add = (ip: string, port: number, kind: FrontendKind) => out.push({ key: frontendKey(protocol, ip, port), ip, port, protocol, kind, portName });
    for (const ip of clusterIPs) if (!excludeClusterIPs.has(ip)) add(ip, p.port, "ClusterIP");
    if ((type === "NodePort" || type === "LoadBalancer") && typeof p.nodePort === "number") for (const ip of nodeIPs) add(ip, p.nodePort, "NodePort");
    if (lb) for (const ip of nodeIPs) add(ip, p.port, "LoadBalancer");
  }
  return out;
}

/**
 * A node's routes to every other node's pods, kept in step with the cluster's Nodes: the
 * agent calls `start()` once, before it runs any pod, then `sync(nodes)` with the whole list
 * of Nodes whenever one is added, changed or deleted (and now and then; a sync that finds
 * nothing to do writes nothing). Lifecycle:
 *
 *   new PodRoutes(opts) ── start() ── sync(nodes)* ── [teardown()]
 *
 * `start` installs the `unreachable` safety routes before anything else, refuses (throws a
 * StaleInterfaceError) when another interface holds an address in this node's podCIDR, and
 * makes or removes the VXLAN device for the backend. `sync` reads the kernel's state, plans
 * (plan.ts) and applies the difference; a failed change is reported, the others still go in;
 * a VXLAN device deleted behind its back is made again.
 * Calls are serialized, so informer events arriving together never interleave their writes.
 */
import type { KubeObject } from "../../model/object.ts";
import { log } from "../../log.ts";
import { readActualState } from "./actual-state.ts";
import { cidrContains, nthAddress, parseCidr, parseIPv4 } from "./ipv4.ts";
import { ownNodeAnnotations, peersFromNodes, type SkippedNode } from "./peers.ts";
import { commandFor, desiredState, planChanges } from "./plan.ts";
import { mustRun, NetCommandError, type NetRunner, netRunner } from "../net-runner.ts";
import { findStaleInterface } from "./stale-interface.ts";
import { type Backend, BACKENDS, DEFAULT_BACKEND, DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR, DEFAULT_VXLAN, type NetChange, type RoutesConfig, type VxlanOptions } from "./types.ts";
import { ensureVxlanDevice, removeVxlanDevice, type VxlanDevice } from "./vxlan-device.ts";

export interface PodRoutesOptions {
  nodeName: string;
  /** this node's InternalIP */
  nodeIP: string;
  /** this node's `spec.podCIDR` */
  podCIDR: string;
  /** default 10.42.0.0/16 */
  clusterCIDR?: string;
  /** default 10.43.0.0/16 */
  serviceCIDR?: string;
  /** `--flannel-backend`; default vxlan, as K3s */
  backend?: Backend;
  vxlan?: Partial<VxlanOptions>;
  /**
   * The node's own CNI bridge (agent/cni's `bridgeNameFor(dataDir)`), which holds the
   * podCIDR's gateway address by right. Required: without it a restarted agent would take its
   * own bridge for a stale one.
   */
  bridge: string;
  /** default: `ip`/`bridge` on this host */
  run?: NetRunner;
}

export interface SyncResult {
  /** changes made */
  applied: NetChange[];
  /** changes that failed (the others were still made); worth a retry */
  failed: { change: NetChange; error: Error }[];
  /** nodes not routed to, and why */
  skipped: SkippedNode[];
}

/** Checks the options; a bad value is a configuration error worth stopping for. */
export function routesConfig(o: PodRoutesOptions): RoutesConfig {
  const cfg: RoutesConfig = {
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    podCIDR: o.podCIDR,
    clusterCIDR: o.clusterCIDR ?? DEFAULT_CLUSTER_CIDR,
    serviceCIDR: o.serviceCIDR ?? DEFAULT_SERVICE_CIDR,
    backend: o.backend ?? DEFAULT_BACKEND,
    vxlan: { ...DEFAULT_VXLAN, ...o.vxlan },
    bridge: o.bridge,
  };
  if (!cfg.nodeName) throw new Error("pod routes: nodeName is required");
  if (!cfg.bridge) throw new Error("pod routes: the node's bridge name is required");
  if (!BACKENDS.includes(cfg.backend)) throw new Error(`pod routes: unknown backend ${JSON.stringify(cfg.backend)}, want one of ${BACKENDS.join(", ")}`);
  if (parseIPv4(cfg.nodeIP) === undefined) throw new Error(`pod routes: node IP ${JSON.stringify(cfg.nodeIP)} is not an IPv4 address`);
  for (const [name, v] of [["podCIDR", cfg.podCIDR], ["cluster CIDR", cfg.clusterCIDR], ["service CIDR", cfg.serviceCIDR]] as const)
    if (!parseCidr(v)) throw new Error(`pod routes: ${name} ${JSON.stringify(v)} is not an IPv4 network`);
  const cluster = parseCidr(cfg.clusterCIDR)!;
  const pod = parseCidr(cfg.podCIDR)!;
  if (pod.prefix < cluster.prefix || !cidrContains(cluster, pod.base)) throw new Error(`pod routes: podCIDR ${cfg.podCIDR} is outside the cluster CIDR ${cfg.clusterCIDR}`);
  if (!/^[\w.-]{1,15}$/.test(cfg.vxlan.device)) throw new Error(`pod routes: VXLAN device name ${JSON.stringify(cfg.vxlan.device)} is not a Linux interface name`);
  return cfg;
}

/** Errors iproute2 gives for a delete whose target is already gone, or an add already made. */
const ALREADY = /No such process|No such file or directory|Cannot find device|File exists/;

export class PodRoutes {
  readonly config: RoutesConfig;
  private readonly run: NetRunner;
  private device?: VxlanDevice;
  private started = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(o: PodRoutesOptions) {
    this.config = routesConfig(o);
    this.run = o.run ?? netRunner();
  }

  /** Safety routes, the stale-interface check, the backend's device. Throws StaleInterfaceError. */
  start(): Promise<void> {
    return this.serialized(async () => {
      const c = this.config;
      // First of all, so a packet for an address nobody owns dies here whatever fails next.
      const { routes } = await readActualState(this.run, c.vxlan.device);
      for (const change of planChanges(desiredState(c, []), { routes, neighbours: [], fdb: [] }))
        if (change.op === "route-replace") await this.apply(change);

      const addrs = (await mustRun(this.run, "ip", ["-j", "addr", "show"])).stdout;
      const stale = findStaleInterface(addrs, c.podCIDR, [c.bridge, c.vxlan.device]);
      if (stale) throw stale;

      if (c.backend === "vxlan") this.device = await this.ensureDevice();
      else await removeVxlanDevice(this.run, c.vxlan.device);
      this.started = true;
      log.info("pod routes started", { backend: c.backend, podCIDR: c.podCIDR, ...(this.device ? { vtepMac: this.device.mac, mtu: this.device.mtu } : {}) });
    });
  }

  /** Converges the node's routes (and VXLAN entries) on `nodes`, the cluster's whole Node list. */
  sync(nodes: Iterable<KubeObject>): Promise<SyncResult> {
    const list = [...nodes];
    return this.serialized(async () => {
      if (!this.started) throw new Error("pod routes: sync before start");
      const { peers, skipped } = peersFromNodes(list, this.config);
      let actual = await readActualState(this.run, this.config.vxlan.device);
      if (this.config.backend === "vxlan" && !actual.deviceFound) {
        // Someone deleted it (and with it every route through it): make it again. Its MAC
        // comes from the node's name, so the other nodes' entries for it still hold.
        log.warn("VXLAN device missing, re-creating it", { device: this.config.vxlan.device });
        this.device = await this.ensureDevice();
        actual = await readActualState(this.run, this.config.vxlan.device);
      }
      const result: SyncResult = { applied: [], failed: [], skipped };
      for (const change of planChanges(desiredState(this.config, peers), actual)) {
        try {
          await this.apply(change);
          result.applied.push(change);
        } catch (error) {
          result.failed.push({ change, error: error as Error });
        }
      }
      if (result.applied.length) log.info("pod routes changed", { changes: result.applied.map((c) => describe(c, this.config.vxlan.device)) });
      for (const f of result.failed) log.warn("pod route change failed", { change: describe(f.change, this.config.vxlan.device), error: f.error.message });
      return result;
    });
  }

  /**
   * What to set on this node's own Node (a merge patch of `metadata.annotations`): under
   * vxlan the device's MAC, which the other nodes need before they can route here.
   */
  ownNodeAnnotations(): Record<string, string | null> {
    return ownNodeAnnotations(this.config.backend, this.device?.mac);
  }

  /** The MTU pods should get (the CNI bridge's `mtu`): the VXLAN device's; undefined under host-gw. */
  podMtu(): number | undefined {
    return this.device?.mtu;
  }

  /**
   * Removes the routes to other nodes and the VXLAN device; keeps the `unreachable` routes,
   * which are safe to leave. Not for an agent's ordinary stop: its pods keep running and
   * should stay reachable while it restarts.
   */
  teardown(): Promise<void> {
    return this.serialized(async () => {
      const actual = await readActualState(this.run, this.config.vxlan.device);
      for (const route of actual.routes) if (route.ours && route.type !== "unreachable") await this.apply({ op: "route-delete", route });
      await removeVxlanDevice(this.run, this.config.vxlan.device);
      this.device = undefined;
      this.started = false;
    });
  }

  private ensureDevice(): Promise<VxlanDevice> {
    const c = this.config;
    return ensureVxlanDevice(this.run, { ...c.vxlan, localIP: c.nodeIP, address: `${nthAddress(c.podCIDR, 0)}/32`, nodeName: c.nodeName });
  }

  private async apply(change: NetChange): Promise<void> {
    const { tool, args } = commandFor(change, this.config.vxlan.device);
    const r = await this.run(tool, args);
    if (r.code !== 0 && !(ALREADY.test(r.stderr) && change.op !== "route-replace" && change.op !== "neigh-replace")) throw new NetCommandError(tool, args, r);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function describe(c: NetChange, device: string): string {
  const { tool, args } = commandFor(c, device);
  return `${tool} ${args.join(" ")}`;
}

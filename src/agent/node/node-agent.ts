/**
 * One node's agent loop (the kubelet's node half): register the Node, renew its Lease in
 * `kube-node-lease` every 10 s, report node status when it changes (and at least every
 * minute), follow the Node for its podCIDR, and hand pods bound to it to the PodManager.
 *
 * The agent keeps going when the server is away: every loop retries, and the pods keep
 * running (fail-static) — the runtime, not the agent, holds them.
 */
import type { KubeObject } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import { microTime } from "../../model/object.ts";
import type { AgentApi } from "../agent-api.ts";
import type { Runtime } from "../runtime/types.ts";
import { PodManager } from "../pods/pod-manager.ts";
import { StartGate } from "../pods/start-gate.ts";
import type { PodPreparer } from "../pods/pod-preparer.ts";
import { nodeObject, nodeStatus, statusFingerprint, type NodeFacts, type NodeObservations, type Readiness } from "./node-object.ts";
import { nodeImages } from "./node-images.ts";
import { EVICTION_HARD, pressureFrom, thresholdBytes, type EvictionHard, type HostReadings } from "./pressure.ts";
import { log } from "../../log.ts";
import { sleep } from "../../lib/sleep.ts";
import { NodeSetupError } from "./node-setup-error.ts";
import { EvictionManager } from "../eviction/eviction-manager.ts";
import { parseQuantity } from "../../model/quantity.ts";

/** Where a node's pods come from: a watch of its own pods, or a share of one watch for many hollow nodes. */
export interface PodFeed {
  subscribe(nodeName: string, h: { onPod(p: KubeObject): void; onPodDeleted(p: KubeObject): void; onSynced(all: KubeObject[]): void }): () => void;
}

export interface NodeAgentOptions {
  api: AgentApi;
  facts: NodeFacts;
  runtime: Runtime;
  /** What the node prepares for its pods before the runtime runs them (volumes, env, hosts). */
  preparer: PodPreparer;
  pods: PodFeed;
  signal: AbortSignal;
  /** Runtime readiness (containerd up?); default ready. */
  readiness?: () => Promise<Readiness>;
  /** Host readings for the pressure conditions; absent on hollow nodes (no pressure reported). */
  hostReadings?: () => HostReadings;
  /** The hard eviction thresholds (`--kubelet-arg eviction-hard`); the kubelet's defaults otherwise. */
  evictionHard?: EvictionHard;
  leaseDurationSeconds?: number;
  /** Lease renewal period (kubelet: 10 s). */
  leaseRenewMs?: number;
  /** How often status is checked for change (kubelet: 10 s) and the most it stays unreported (1 min here). */
  statusCheckMs?: number;
  statusReportMs?: number;
  backoffBaseMs?: number;
  recordEvents?: boolean;
  /** Pod sandboxes and containers started at once at most (pods/start-gate.ts); unset: no bound. */
  startConcurrency?: number;
  now?: () => number;
}

export class NodeAgent {
  readonly pods: PodManager;
  private podCidr: string | undefined;
  private lastStatus = "";
  private lastReport = 0;
  private lastNodeStatus: any;
  private unsubscribePods: (() => void) | undefined;
  private readonly now: () => number;

  constructor(private readonly o: NodeAgentOptions) {
    this.now = o.now ?? Date.now;
    this.pods = new PodManager({
      runtime: o.runtime,
      preparer: o.preparer,
      runtimeName: o.facts.containerRuntimeVersion.split("://")[0]!,
      api: o.api,
      nodeName: o.facts.name,
      hostIP: () => o.facts.internalIP,
      podCidr: () => this.podCidr,
      backoffBaseMs: o.backoffBaseMs ?? 10_000,
      recordEvents: o.recordEvents ?? true,
      now: this.now,
      startGate: o.startConcurrency === undefined ? undefined : new StartGate(o.startConcurrency),
    });
  }

  get name(): string {
    return this.o.facts.name;
  }

  /** The runtime this node runs its pods on (tests look into a hollow node's fake one). */
  get runtime(): Runtime {
    return this.o.runtime;
  }

  /** Registers the node (retrying until the server answers), then runs the loops in the background. */
  async start(): Promise<void> {
    await this.retry("register node", () => this.register());
    void this.loop("lease", this.o.leaseRenewMs ?? 10_000, () => this.heartbeat());
    void this.loop("node status", this.o.statusCheckMs ?? 10_000, () => this.reportStatus(false));
    // Nodes that read their host (not hollow ones) evict pods when memory runs short, as the kubelet.
    const readings = this.o.hostReadings;
    if (readings) {
      const runtime = this.o.runtime;
      const eviction = new EvictionManager({
        readings,
        pods: () => this.pods.activePods(),
        usage: runtime.usageStats ? () => runtime.usageStats!() : undefined,
        evict: (pod, message) => this.pods.evict(pod, message),
        thresholdBytes: thresholdBytes((this.o.evictionHard ?? EVICTION_HARD).memoryAvailable, this.memoryBytes()),
      });
      void this.loop("eviction", this.o.statusCheckMs ?? 10_000, async () => void (await eviction.check()));
    }
    this.unsubscribePods = this.o.pods.subscribe(this.name, {
      onPod: (p) => this.pods.onPod(p),
      onPodDeleted: (p) => this.pods.onPodDeleted(p),
      onSynced: (all) => void this.pods.reconcileOrphans(all).catch((e) => log.warn("agent: orphan cleanup failed", { error: String(e) })),
    });
    this.o.signal.addEventListener("abort", () => this.stop(), { once: true });
  }

  stop(): void {
    this.unsubscribePods?.();
    this.pods.stop();
  }

  private async register(): Promise<void> {
    const want = nodeObject(this.o.facts);
    let node: KubeObject;
    try {
      node = await this.o.api.createNode(want);
      log.info("agent: node registered", { node: this.name });
    } catch (e) {
      if (!isStatusError(e, "AlreadyExists")) throw e;
      // Re-registration: our labels win, the rest (podCIDR, taints others set, unschedulable) stays.
      node = await this.o.api.patchNode(this.name, { metadata: { labels: want.metadata.labels, annotations: want.metadata.annotations } });
    }
    // A Node that has its podCIDR already (a restart, a new data dir under an old name) sets the
    // pod network up as a new one does: routes, the stale-interface check, the CNI config.
    this.noteNode(node);
    this.lastNodeStatus = node.status;
    await this.awaitPodCidr();
    await this.network;
    if (this.setupError) throw this.setupError;
    await this.reportStatus(true);
    await this.renewLease();
  }

  /**
   * The node IPAM controller assigns the pod CIDR right after registration; pods started
   * before it arrives would get addresses outside the node's range. Waits a little for it —
   * not forever: without IPAM (no cluster CIDR left) the node still serves.
   */
  private async awaitPodCidr(): Promise<void> {
    const until = this.now() + 10_000;
    while (!this.podCidr && this.now() < until && !this.o.signal.aborted) {
      await sleep(100, this.o.signal);
      this.noteNode(await this.o.api.getNode(this.name));
    }
    if (!this.podCidr) log.warn("agent: no pod CIDR assigned yet; pods get addresses from the fallback range", { node: this.name });
  }

  /** Picks up podCIDR once the server assigns it (the node IPAM controller). */
  noteNode(node: KubeObject): void {
    const cidr = node.spec?.podCIDR;
    if (!cidr || cidr === this.podCidr) return;
    this.podCidr = cidr;
    // The runtime's pod network follows the CIDR; pods wait for it (register awaits it).
    this.network = this.o.runtime.setPodCidr?.(cidr).catch((e) => {
      log.error("agent: setting up the pod network failed", { cidr, error: String(e) });
      if (e instanceof NodeSetupError) this.setupError = e;
    });
  }

  private network: Promise<void> | undefined;
  /** A pod network that cannot work as configured (a stale interface): registration stops with it. */
  private setupError: NodeSetupError | undefined;

  private cutOff = false;

  /**
   * Renews the lease; after a spell without the server, also reports status at once: the node
   * lifecycle controller marked it Unknown meanwhile, and our last report looks unchanged to us.
   */
  private async heartbeat(): Promise<void> {
    try {
      await this.renewLease();
    } catch (e) {
      this.cutOff = true;
      throw e;
    }
    if (this.cutOff) {
      this.cutOff = false;
      await this.reportStatus(true);
    }
  }

  /**
   * Renews the lease as the kubelet's lease controller does: an update of the lease it last
   * wrote, without reading it first (half the requests of a heartbeat, which 1,000 nodes send
   * 100 of a second); read again only when that fails for a conflict or a missing lease.
   */
  private async renewLease(): Promise<void> {
    // A heartbeat that waits on a connection gone dead (a partition, a server that froze) would
    // hold every later one: the kubelet gives its heartbeats the shorter of the status period
    // and the lease duration, and so do we. The next one goes out on a new connection.
    const signal = AbortSignal.timeout(Math.min(this.o.leaseRenewMs ?? 10_000, (this.o.leaseDurationSeconds ?? 40) * 1000));
    // The pod CIDR arrives after registration (node IPAM); look for it until it has.
    if (!this.podCidr) this.noteNode(await this.o.api.getNode(this.name, signal));
    const ns = "kube-node-lease";
    const spec = { holderIdentity: this.name, leaseDurationSeconds: this.o.leaseDurationSeconds ?? 40, renewTime: microTime(new Date(this.now())) };
    if (this.lease) {
      try {
        this.lease = await this.o.api.updateLease({ ...this.lease, spec: { ...this.lease.spec, ...spec } }, signal);
        return;
      } catch (e) {
        this.lease = undefined;
        if (!isStatusError(e, "Conflict") && !isStatusError(e, "NotFound")) throw e;
      }
    }
    try {
      const cur = await this.o.api.getLease(ns, this.name, signal);
      this.lease = await this.o.api.updateLease({ ...cur, spec: { ...cur.spec, ...spec } }, signal);
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
      this.lease = await this.o.api.createLease({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: this.name,
          namespace: ns,
          ownerReferences: this.nodeUid ? [{ apiVersion: "v1", kind: "Node", name: this.name, uid: this.nodeUid }] : undefined,
        },
        spec,
      }, signal);
    }
  }

  /** The lease as this agent last wrote it. */
  private lease: KubeObject | undefined;

  private nodeUid: string | undefined;

  private async reportStatus(force: boolean): Promise<void> {
    const readiness = this.o.readiness ? await this.o.readiness() : { ready: true };
    const status = nodeStatus(this.o.facts, readiness, this.lastNodeStatus, new Date(this.now()), await this.observe());
    const fp = statusFingerprint(status);
    if (!force && fp === this.lastStatus && this.now() - this.lastReport < (this.o.statusReportMs ?? 60_000)) return;
    const node = await this.o.api.patchNode(this.name, { status }, true);
    this.recordPressureEvents(node, this.lastNodeStatus, status);
    this.nodeUid = node.metadata.uid;
    this.noteNode(node);
    this.lastNodeStatus = node.status;
    this.lastStatus = fp;
    this.lastReport = this.now();
  }

  /** The node's memory capacity in bytes (for thresholds given in %). */
  private memoryBytes(): number {
    try {
      return Number(parseQuantity(this.o.facts.capacity.memory).value());
    } catch {
      return 0;
    }
  }

  private async observe(): Promise<NodeObservations> {
    const seen: NodeObservations = {};
    if (this.o.runtime.listImages) {
      try {
        seen.images = nodeImages(await this.o.runtime.listImages());
      } catch (e) {
        // As the kubelet: a failed listing reports no images rather than stale ones.
        seen.images = [];
        log.debug("agent: listing images failed", { node: this.name, error: String(e) });
      }
    }
    if (this.o.hostReadings) seen.pressure = pressureFrom(this.o.hostReadings(), this.o.evictionHard, this.memoryBytes());
    return seen;
  }

  /** The kubelet's NodeHas… events when a pressure condition changes (none at the first report). */
  private recordPressureEvents(node: KubeObject, before: any, after: any): void {
    if (!(this.o.recordEvents ?? true) || !before?.conditions) return;
    const was = new Map<string, string>(before.conditions.map((c: any) => [c.type, c.status]));
    for (const c of after.conditions ?? []) {
      const reason = PRESSURE_EVENT[c.type]?.[c.status as "True" | "False"];
      if (!reason || !was.has(c.type) || was.get(c.type) === c.status) continue;
      void this.o.api.event({ apiVersion: "v1", kind: "Node", metadata: { name: this.name, uid: node.metadata.uid } }, "Normal", reason, `Node ${this.name} status is now: ${reason}`, this.name);
    }
  }

  private async loop(what: string, everyMs: number, fn: () => Promise<void>): Promise<void> {
    const { signal } = this.o;
    while (!signal.aborted) {
      // Jitter spreads thousands of hollow nodes over the period instead of one burst.
      await sleep(everyMs * (0.9 + Math.random() * 0.2), signal);
      if (signal.aborted) return;
      try {
        await fn();
      } catch (e) {
        log.warn(`agent: ${what} failed`, { node: this.name, error: String(e) });
      }
    }
  }

  private async retry(what: string, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (this.o.signal.aborted || e instanceof NodeSetupError) throw e;
        if (isStatusError(e, "Forbidden") || isStatusError(e, "Unauthorized") || isStatusError(e, "Invalid")) throw new Error(`agent: cannot ${what}`, { cause: e });
        log.warn(`agent: ${what} failed, retrying`, { node: this.name, error: String(e) });
        await sleep(Math.min(10_000, 200 * 2 ** attempt), this.o.signal);
      }
    }
  }
}

/** Event reasons per condition and status (pkg/kubelet/events). */
const PRESSURE_EVENT: Record<string, { True: string; False: string }> = {
  MemoryPressure: { True: "NodeHasInsufficientMemory", False: "NodeHasSufficientMemory" },
  DiskPressure: { True: "NodeHasDiskPressure", False: "NodeHasNoDiskPressure" },
  PIDPressure: { True: "NodeHasInsufficientPID", False: "NodeHasSufficientPID" },
};


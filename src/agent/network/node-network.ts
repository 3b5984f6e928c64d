/**
 * A real node's part of the cluster network (what flannel, kube-proxy, ServiceLB and CoreDNS
 * do on a K3s node), on one set of informers:
 *
 *   start()                    service device + `unreachable` routes for both CIDRs, the
 *                              cluster DNS address; informers (Nodes, Services,
 *                              EndpointSlices, Pods) feeding the proxy and the DNS zone; DNS
 *                              served on <cluster DNS IP>:53 (UDP+TCP)
 *   podCidrAssigned(cidr)      pod routes: refuses a stale interface (NodeSetupError), makes
 *                              the VXLAN device, publishes its MAC; returns the pods' MTU —
 *                              before the CNI config is written, so before any pod runs
 *   (events)                   Services/Slices → proxy + DNS; Nodes → routes, DNS node
 *                              names, this node's addresses; Pods → DNS PTRs; LoadBalancer
 *                              results → this Node's annotation + Events
 *                              the Ingress controller on ports 80/443 (when asked and not
 *                              `--disable=ingress`), sharing the Service and slice informers
 *   every resyncMs             routes converge again (a route deleted by hand comes back);
 *                              the service device, deleted or stripped by hand, is made
 *                              again with this node's ClusterIPs
 *   stop()                     listeners closed; addresses and routes stay, so pods keep
 *                              their network while the agent restarts
 */
import type client from "prom-client";
import { Informer } from "../../client/informer.ts";
import { RestListWatch } from "../../client/rest-list-watch.ts";
import type { RestClient } from "../../client/rest-client.ts";
import type { KubeObject } from "../../model/object.ts";
import type { ClusterNetwork } from "../../model/cluster-network.ts";
import { ClusterDnsStore, type ClusterDns, choosePodResolvConf, chooseUpstreams } from "../../net/dns/index.ts";
import { type AddressOwner, ServiceAddresses, ServiceProxy } from "../../net/proxy/index.ts";
import { type NetRunner, PodRoutes, StaleInterfaceError, netRunner } from "../../net/routes/index.ts";
import { type IngressController, startIngress } from "../../net/ingress/index.ts";
import { bridgeNameFor } from "../cni/cni-config.ts";
import { NodeSetupError } from "../node/node-setup-error.ts";
import { keepDnsListening } from "./dns-server.ts";
import { LoadBalancerReport } from "./load-balancer-report.ts";
import { heldHere, nodeIPsOf } from "./node-ips.ts";
import { type PodDns, podDnsFor } from "./pod-dns.ts";
import { serviceDeviceFor } from "./service-device.ts";
import { SlimListWatch } from "../../client/slim-list-watch.ts";
import { withoutManagedFields } from "../../model/managed-fields.ts";
import { slimNode } from "./slim-node.ts";
import { slimPod } from "./slim-pod.ts";
import { log } from "../../log.ts";

export interface NodeNetworkOptions {
  client: RestClient;
  nodeName: string;
  /** The node's InternalIP (NodePort/LoadBalancer listen on it; peers route to it). */
  nodeIP: string;
  /** The VXLAN local address (`--flannel-iface`'s IPv4); default nodeIP. */
  tunnelIP?: string;
  dataDir: string;
  network: ClusterNetwork;
  /** `--resolv-conf`; default /etc/resolv.conf (systemd-resolved's upstream file when that names only loopback). */
  resolvConf?: string;
  /** Where the proxy's and the DNS's metrics go (the agent's /metrics). */
  registry: client.Registry;
  patchNode(patch: object): Promise<unknown>;
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  signal: AbortSignal;
  /** Test seams: iproute2 runner (default: on this host); address and port the DNS serves on. */
  run?: NetRunner;
  dnsHost?: string;
  dnsPort?: number;
  /** Own ClusterIPs on the service device; tests on loopback turn it off. Default true. */
  ownAddresses?: boolean;
  /** Route pods between nodes; tests without root turn it off. Default true. */
  routes?: boolean;
  /** How often routes converge again without an event (default 30 s). */
  resyncMs?: number;
  /** Run the Ingress controller on these addresses and ports; none without it (tests on loopback). */
  ingress?: { addresses: string[]; http: number; https: number };
}

export class NodeNetwork {
  readonly dns: ClusterDnsStore;
  readonly proxy: ServiceProxy;
  readonly lb: LoadBalancerReport;
  readonly nodes: Informer;
  readonly services: Informer;
  readonly slices: Informer;
  readonly pods: Informer;
  /** The running DNS server, once bound. */
  dnsServer?: ClusterDns;
  /** The node's Ingress controller, once started. */
  ingress?: IngressController;
  private routes?: PodRoutes;
  private addresses?: ServiceAddresses;
  private podDnsFn?: PodDns;
  private resyncTimer?: ReturnType<typeof setInterval>;
  private readonly run: NetRunner;
  private readonly builtinDns: boolean;

  constructor(private readonly o: NodeNetworkOptions) {
    this.run = o.run ?? netRunner();
    const n = o.network;
    this.dns = new ClusterDnsStore({ domain: n.clusterDomain, dnsServiceIp: n.clusterDns });
    const serviceLb = !n.disable.includes("servicelb");
    // K3s `--disable=coredns`: the user runs their own DNS behind the kube-dns ClusterIP; the
    // node neither answers on that address nor keeps the proxy from relaying it.
    this.builtinDns = !n.disable.includes("coredns");
    this.lb = new LoadBalancerReport({
      nodeName: o.nodeName,
      patchNode: (p) => o.patchNode(p),
      service: (key) => this.services.get(key),
      event: (obj, type, reason, message) => o.event(obj, type, reason, message),
    });
    if (o.ownAddresses !== false) {
      const run = this.run;
      this.addresses = new ServiceAddresses({ run: (args) => run("ip", args), device: serviceDeviceFor(o.dataDir), unreachable: [n.serviceCidr, n.clusterCidr] });
    }
    this.proxy = new ServiceProxy({
      nodeName: o.nodeName,
      nodeIPs: [o.nodeIP],
      registry: o.registry,
      addresses: this.addresses && (this.builtinDns ? keepingAddress(this.addresses, n.clusterDns) : this.addresses),
      excludeClusterIPs: this.builtinDns ? [n.clusterDns] : [],
      loadBalancers: serviceLb,
      onLoadBalancer: (s) => this.lb.update(s),
    });
    // Every object is kept as far as the node reads it, without managedFields (as kube-proxy
    // keeps its own): the node writes none of them back whole — its own Node by merge patch only.
    const lw = (path: string, slim: (o: KubeObject) => KubeObject) => new SlimListWatch(new RestListWatch(o.client, { path }), slim);
    this.nodes = new Informer(lw("/api/v1/nodes", slimNode));
    this.services = new Informer(lw("/api/v1/services", withoutManagedFields));
    this.slices = new Informer(lw("/apis/discovery.k8s.io/v1/endpointslices", withoutManagedFields));
    this.pods = new Informer(lw("/api/v1/pods", slimPod));
  }

  /** Each pod's resolv.conf settings (available after start). */
  get podDns(): PodDns {
    if (!this.podDnsFn) throw new Error("node network: podDns before start");
    return this.podDnsFn;
  }

  /** The MTU pods should get (the VXLAN device's), once the routes started; undefined under host-gw. */
  podMtu(): number | undefined {
    return this.routes?.podMtu();
  }

  async start(): Promise<void> {
    const o = this.o;
    const n = o.network;
    const { etc, systemd } = await readResolvFiles(o.resolvConf);
    const nodeResolv = choosePodResolvConf(etc, systemd);
    this.podDnsFn = podDnsFor(nodeResolv, { servers: [n.clusterDns], domain: n.clusterDomain });
    if (this.addresses) {
      await this.addresses.setup();
      if (this.builtinDns) await this.addresses.add(n.clusterDns);
    }
    this.wireInformers();
    await Promise.all([this.nodes.start(o.signal), this.services.start(o.signal), this.slices.start(o.signal), this.pods.start(o.signal)]);
    this.proxy.markSynced();
    const upstreams = chooseUpstreams(etc, systemd);
    // Bound in the background: a node whose port 53 is taken still runs pods and proxies.
    if (this.builtinDns) void keepDnsListening({ store: this.dns, hostname: o.dnsHost ?? n.clusterDns, port: o.dnsPort ?? 53, upstreams, registry: o.registry, signal: o.signal }).then((d) => {
      this.dnsServer = d;
    });
    await this.proxy.synced();
    this.lb.begin();
    if (o.ingress && !n.disable.includes("ingress")) {
      const { addresses, http, https } = o.ingress;
      // A kernel knob of the node's network namespace: only when the node's network is ours (not tests on loopback).
      this.ingress = await startIngress({ client: o.client, services: this.services, endpointSlices: this.slices, nodeIPs: addresses, ports: { http, https }, registry: o.registry, signal: o.signal, migrateOnClose: o.ownAddresses !== false });
    }
    this.resyncTimer ??= setInterval(() => void this.resync(), o.resyncMs ?? 30_000);
    this.resyncTimer.unref?.();
    o.signal.addEventListener("abort", () => void this.stop(), { once: true });
    log.info("node network started", { node: o.nodeName, clusterDns: n.clusterDns, device: this.addresses?.device, serviceLB: !n.disable.includes("servicelb") });
  }

  /**
   * The node's podCIDR is known: routes to the other nodes' pods. Throws NodeSetupError when
   * another interface holds an address in the podCIDR (pods here could not be reached).
   */
  async podCidrAssigned(podCidr: string): Promise<{ mtu?: number }> {
    const o = this.o;
    if (o.routes === false) return {};
    if (this.routes?.config.podCIDR === podCidr) return { mtu: this.podMtu() };
    const routes = new PodRoutes({
      nodeName: o.nodeName,
      nodeIP: o.tunnelIP ?? o.nodeIP,
      podCIDR: podCidr,
      clusterCIDR: o.network.clusterCidr,
      serviceCIDR: o.network.serviceCidr,
      backend: o.network.flannelBackend,
      bridge: bridgeNameFor(o.dataDir),
      run: this.run,
    });
    try {
      await routes.start();
    } catch (e) {
      // The message is whole (the stale interface's names it and the fix); a cause would only
      // repeat it where the agent prints the error.
      if (e instanceof StaleInterfaceError) throw new NodeSetupError(e.message);
      throw new NodeSetupError(`setting up pod routes: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.routes = routes;
    await o.patchNode({ metadata: { annotations: routes.ownNodeAnnotations() } }).catch((e) => log.warn("node network: publishing the VTEP MAC failed; retried at the next resync", { error: String(e) }));
    await this.syncRoutes();
    this.resyncTimer ??= setInterval(() => void this.resync(), o.resyncMs ?? 30_000);
    this.resyncTimer.unref?.();
    return { mtu: routes.podMtu() };
  }

  /** Converges routes on the Nodes in the cache. */
  async syncRoutes(): Promise<void> {
    if (!this.routes) return;
    try {
      await this.routes.sync(this.nodes.list());
    } catch (e) {
      log.warn("node network: route sync failed", { error: String(e) });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.lb.stop();
    this.dnsServer?.stop();
    await this.proxy.stop();
    await this.ingress?.stop();
  }

  /** Puts the service device back when someone removed it or its addresses (see ServiceAddresses.repair). */
  async repairServiceDevice(): Promise<void> {
    if (!this.addresses) return;
    try {
      const r = await this.addresses.repair();
      if (r.device || r.addresses.length) log.warn("node network: the service device had been removed by hand; restored", { device: this.addresses.device, recreated: r.device, addresses: r.addresses });
    } catch (e) {
      log.warn("node network: restoring the service device failed; retried at the next resync", { device: this.addresses.device, error: String(e) });
    }
  }

  private async resync(): Promise<void> {
    await this.repairServiceDevice();
    if (!this.routes) return;
    const mine = this.nodes.get(this.o.nodeName);
    const want = this.routes?.ownNodeAnnotations() ?? {};
    const stale = Object.entries(want).some(([k, v]) => (mine?.metadata.annotations?.[k] ?? null) !== v);
    if (mine && stale) await this.o.patchNode({ metadata: { annotations: want } }).catch((e) => log.warn("node network: publishing the VTEP MAC failed", { error: String(e) }));
    await this.syncRoutes();
  }

  private wireInformers(): void {
    const dnsHandler = (kind: "Service" | "EndpointSlice" | "Pod" | "Node") => this.dns.handlerFor(kind);
    const svcDns = dnsHandler("Service");
    this.services.addHandler({
      onChange: (s, old) => {
        this.proxy.applyService(old ? "MODIFIED" : "ADDED", s);
        svcDns.onChange(s);
        if (s.spec?.type !== "LoadBalancer") this.lb.forget(keyOf(s));
      },
      onDelete: (s) => {
        this.proxy.applyService("DELETED", s);
        svcDns.onDelete(s);
        this.lb.forget(keyOf(s));
      },
    });
    const sliceDns = dnsHandler("EndpointSlice");
    this.slices.addHandler({
      onChange: (s, old) => {
        this.proxy.applyEndpointSlice(old ? "MODIFIED" : "ADDED", s);
        sliceDns.onChange(s);
      },
      onDelete: (s) => {
        this.proxy.applyEndpointSlice("DELETED", s);
        sliceDns.onDelete(s);
      },
    });
    this.pods.addHandler(dnsHandler("Pod"));
    const nodeDns = dnsHandler("Node");
    const nodeChanged = (node: KubeObject) => {
      if (node.metadata.name === this.o.nodeName) this.noteOwnNode(node);
      void this.syncRoutes();
    };
    this.nodes.addHandler({
      onChange: (node, old) => {
        nodeDns.onChange(node);
        // Status heartbeats change nothing routes read; skip the kernel round trip for them.
        if (!old || routingInputs(old) !== routingInputs(node)) nodeChanged(node);
      },
      onDelete: (node) => {
        nodeDns.onDelete(node);
        void this.syncRoutes();
      },
    });
  }

  private lastIPs = "";

  private noteOwnNode(node: KubeObject): void {
    const ips = nodeIPsOf(node, [this.o.nodeIP], (ip) => heldHere(ip));
    const k = ips.join(",");
    if (k === this.lastIPs) return;
    this.lastIPs = k;
    this.proxy.setNodeIPs(ips);
  }
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? "default"}/${o.metadata.name}`;
}

/** What of a Node the routes and the node addresses depend on. */
function routingInputs(n: KubeObject): string {
  return JSON.stringify([n.spec?.podCIDR, n.metadata.annotations?.["k3rs.io/vtep-mac"], (n.status?.addresses ?? []).filter((a: any) => a?.type !== "Hostname")]);
}

/**
 * The proxy's view of the service device, with the cluster DNS address kept out of it: the
 * proxy never serves that ClusterIP (excludeClusterIPs), so its clean-up of addresses no
 * Service wants would otherwise take the DNS's address away.
 */
export function keepingAddress(owner: AddressOwner & { list(): Promise<string[]> }, keep: string): AddressOwner {
  return {
    add: (ip) => owner.add(ip),
    remove: (ip) => (ip === keep ? Promise.resolve() : owner.remove(ip)),
    list: async () => (await owner.list()).filter((ip) => ip !== keep),
  };
}

async function readResolvFiles(resolvConf: string | undefined): Promise<{ etc: string; systemd?: string }> {
  const read = async (p: string) => {
    const f = Bun.file(p);
    return (await f.exists()) ? await f.text() : undefined;
  };
  // A file given with --resolv-conf is taken as it is, as the kubelet takes its --resolv-conf.
  if (resolvConf) {
    const text = await read(resolvConf);
    if (text === undefined) throw new NodeSetupError(`--resolv-conf ${resolvConf}: no such file`);
    return { etc: text };
  }
  return { etc: (await read("/etc/resolv.conf")) ?? "", systemd: await read("/run/systemd/resolve/resolv.conf") };
}

/**
 * `k3rs agent` and the server's embedded agent: credentials → API client → runtime → one
 * NodeAgent, or N hollow NodeAgents sharing one pod watch (`--simulate N`, fake runtime).
 * Knows nothing of flags.
 */
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import type { RestClient } from "../client/rest-client.ts";
import { AgentApi } from "./agent-api.ts";
import { NodeAgent, type NodeAgentOptions } from "./node/node-agent.ts";
import { hostFacts } from "./node/host-facts.ts";
import { evictionReserved, readHostReadings } from "./node/pressure.ts";
import type { NodeFacts, Readiness } from "./node/node-object.ts";
import { WatchPodFeed } from "./pod-feed.ts";
import { FakeRuntime } from "./runtime/fake.ts";
import type { Runtime } from "./runtime/types.ts";
import { UnavailableRuntime } from "./runtime/unavailable.ts";
import { startContainerdRuntime } from "./containerd/containerd-runtime.ts";
import { PodPreparer, type NodePodFacts } from "./pods/pod-preparer.ts";
import { PodSources } from "./sources/pod-sources.ts";
import { RestListWatch } from "../client/rest-list-watch.ts";
import { startConcurrencyFor } from "./pods/start-gate.ts";
import { hostMounter, noMounter } from "./volumes/host-mounter.ts";
import client from "prom-client";
import type { NodeNetwork } from "./network/node-network.ts";
import { interfaceIPv4 } from "./network/node-ips.ts";
import { startNodeNetwork } from "./network/start-node-network.ts";
import type { ClusterNetwork } from "../model/cluster-network.ts";
import { LocalVolumeSweeper } from "./volumes/local-volume-sweeper.ts";
import { startLogRotation } from "./logs/log-rotation.ts";
import { DEFAULT_ROTATION } from "./logs/rotate.ts";
import type { ClaimSources } from "./volumes/claim-volume.ts";
import { parseQuantity } from "../model/quantity.ts";
import type { KubeObject } from "../model/object.ts";
import type { KubeletSettings } from "./kubelet-settings.ts";
import { startNodeTunnel } from "./node-tunnel.ts";
import { log } from "../log.ts";
import { localStorageRoot } from "./volumes/local-storage.ts";

export type RuntimeKind = "fake" | "containerd";

export interface AgentRunOptions {
  client: RestClient;
  nodeName: string;
  nodeIp?: string;
  /** `--node-external-ip`: the Node's ExternalIP addresses. */
  externalIPs?: string[];
  dataDir: string;
  runtime: RuntimeKind;
  /** Run this many hollow nodes (`<nodeName>-0` …) instead of one (fake runtime only). */
  simulate?: number;
  /**
   * The client a hollow node writes with: its own node identity, which the node authorizer and
   * NodeRestriction require (a node writes only its own Node, Lease and pods). Absent: `client`
   * for every hollow node (an in-process test cluster whose client may do anything).
   */
  clientFor?: (nodeName: string) => Promise<RestClient>;
  isServer?: boolean;
  /** An existing CRI socket (`--container-runtime-endpoint`) instead of the agent's own containerd. */
  containerRuntimeEndpoint?: string;
  /** Kubelet flags from `--kubelet-arg` (log rotation, eviction thresholds). */
  kubelet?: KubeletSettings;
  /** The cluster's pod network, for egress NAT (K3s: 10.42.0.0/16); `network.clusterCidr` wins. */
  clusterCidr?: string;
  /**
   * The cluster's network settings (the server's `--cluster-cidr`, `--service-cidr`,
   * `--cluster-dns`, `--cluster-domain`, `--flannel-backend`, `--disable`); a joined agent
   * without them asks the server (`/v1-k3rs/config`), as a K3s agent does.
   */
  network?: ClusterNetwork;
  /** `--flannel-iface`: whose IPv4 carries pod traffic between nodes (and is the node IP unless `nodeIp` is given). */
  flannelIface?: string;
  /** `--resolv-conf`: the upstreams of the cluster DNS and what Default-policy pods get. */
  resolvConf?: string;
  /**
   * Where the node's metrics (service proxy, cluster DNS) register: the server's own /metrics
   * registry for its embedded agent; a joined agent's own, served on its kubelet API.
   */
  metricsRegistry?: client.Registry;
  labels?: Record<string, string>;
  taints?: any[];
  signal: AbortSignal;
  /** Test knobs: lease period, status period, crash back-off base, fake start latency, the host's readings. */
  tuning?: Pick<NodeAgentOptions, "leaseRenewMs" | "statusCheckMs" | "statusReportMs" | "backoffBaseMs" | "recordEvents" | "hostReadings"> & { startLatencyMs?: number };
}

export interface RunningAgent {
  nodes: NodeAgent[];
  stop(): void;
}

/** Capacity of a hollow node (kubemark's defaults are of this size). */
const HOLLOW_CAPACITY = { cpu: "4", memory: "16Gi", pods: "110" };

export async function runAgent(o: AgentRunOptions): Promise<RunningAgent> {
  const api = new AgentApi(o.client);
  const host = hostFacts(o.dataDir);
  const tunnelIP = o.flannelIface && o.simulate === undefined && o.runtime !== "fake" ? interfaceIPv4(o.flannelIface) : undefined;
  const ip = o.nodeIp ?? tunnelIP ?? primaryIPv4() ?? "127.0.0.1";
  const stop = new AbortController();
  o.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const nodes: NodeAgent[] = [];

  if (o.simulate !== undefined) {
    if (o.runtime !== "fake") throw new Error("--simulate runs hollow nodes and needs --runtime fake");
    const feed = new WatchPodFeed(o.client, stop.signal);
    const names = Array.from({ length: o.simulate }, (_, i) => `${o.nodeName}-${i}`);
    const apis = new Map<string, AgentApi>();
    // Joined a few dozen at a time, as they register below.
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map(async (n) => apis.set(n, o.clientFor ? new AgentApi(await o.clientFor(n)) : api)));
    }
    for (const name of names) {
      const api = apis.get(name)!;
      const runtime = new FakeRuntime({ startLatencyMs: o.tuning?.startLatencyMs });
      stop.signal.addEventListener("abort", () => runtime.close(), { once: true });
      const facts: NodeFacts = {
        ...baseFacts(host, name, ip, o, "fake://0.1.0"),
        hostname: name,
        capacity: HOLLOW_CAPACITY,
      };
      const sources = new PodSources({ api: envSources(api, false), ttlMs: HOLLOW_SOURCE_TTL_MS });
      const preparer = hollowPreparer(o, api, { hostIP: ip, nodeCpuCores: Number(HOLLOW_CAPACITY.cpu), nodeMemoryBytes: Number(parseQuantity(HOLLOW_CAPACITY.memory).value()) }, name, sources);
      nodes.push(new NodeAgent({ api, facts, runtime, preparer, pods: feed, signal: stop.signal, ...o.tuning }));
    }
    // Registration in parallel, a few dozen at a time, so a thousand nodes join in seconds.
    for (let i = 0; i < nodes.length; i += 50) await Promise.all(nodes.slice(i, i + 50).map((n) => n.start()));
    log.info("agent: hollow nodes running", { count: nodes.length });
    return { nodes, stop: () => stop.abort() };
  }

  // A node with real pods is part of the cluster network (hollow nodes have no netns to give).
  const registry = o.metricsRegistry ?? new client.Registry();
  let network: NodeNetwork | undefined;
  let networkProblem: string | undefined;
  if (o.runtime === "containerd") {
    try {
      ({ network, problem: networkProblem } = await startNodeNetwork({
        client: o.client, api, nodeName: o.nodeName, nodeIP: ip, tunnelIP, dataDir: o.dataDir, network: o.network, resolvConf: o.resolvConf, registry, signal: stop.signal,
      }));
    } catch (e) {
      stop.abort();
      throw e;
    }
  }
  const { runtime, readiness: runtimeReadiness, version, real } = await openRuntime({ ...o, clusterCidr: o.network?.clusterCidr ?? o.clusterCidr }, api, host, network);
  const nodePodFacts: NodePodFacts = { hostIP: ip, nodeCpuCores: Number(host.cpu), nodeMemoryBytes: Number(host.memoryKi) * 1024 };
  const preparer = real ? nodePreparer(o, api, nodePodFacts, stop.signal, !(runtime instanceof UnavailableRuntime), network) : hollowPreparer(o, api, nodePodFacts, o.nodeName, watchedSources(api, stop.signal, false));
  // The fake runtime writes no log files: `kubectl logs` says so rather than reading none.
  const logRoot = real ? agentPaths(o.dataDir).logRoot : undefined;
  if (logRoot && runtime.reopenContainerLog) {
    const limits = { maxBytes: o.kubelet?.containerLogMaxBytes ?? DEFAULT_ROTATION.maxBytes, maxFiles: o.kubelet?.containerLogMaxFiles ?? DEFAULT_ROTATION.maxFiles };
    startLogRotation(runtime, logRoot, limits, stop.signal);
  }
  const facts: NodeFacts = {
    ...baseFacts(host, o.nodeName, ip, o, version),
    capacity: {
      cpu: host.cpu,
      memory: `${host.memoryKi}Ki`,
      pods: "110",
      ...(host.ephemeralStorageKi ? { "ephemeral-storage": `${host.ephemeralStorageKi}Ki` } : {}),
    },
  };
  // The kubelet's default hard eviction thresholds hold back memory and disk, and drive the pressure conditions.
  facts.reserved = evictionReserved(facts.capacity, o.kubelet?.evictionHard);
  const hostReadings = () => readHostReadings(o.dataDir);
  const readiness = networkProblem ? async (): Promise<Readiness> => ({ ready: false, message: networkProblem! }) : runtimeReadiness;
  // Real pods start a bounded number at a time (pods/start-gate.ts); hollow ones cost nothing to start.
  const startConcurrency = real ? startConcurrencyFor(Number(host.cpu)) : undefined;
  const node = new NodeAgent({ api, facts, runtime, preparer, readiness, hostReadings, evictionHard: o.kubelet?.evictionHard, pods: new WatchPodFeed(o.client, stop.signal, o.nodeName), signal: stop.signal, startConcurrency, ...o.tuning });
  try {
    await node.start();
  } catch (e) {
    // Nothing of this node may outlive its failed start (the network's informers, containerd's supervision).
    stop.abort();
    throw e;
  }
  nodes.push(node);
  // The embedded agent's kubelet API serves the server's registry, where its node's proxy and DNS
  // metrics are: nodes/<node>/proxy/metrics reads them on every node alike.
  startNodeTunnel({ client: o.client, nodeName: o.nodeName, pods: node.pods, runtime, logRoot, metrics: registry, signal: stop.signal });
  return { nodes, stop: () => stop.abort() };
}

function baseFacts(host: ReturnType<typeof hostFacts>, name: string, ip: string, o: AgentRunOptions, runtimeVersion: string): Omit<NodeFacts, "capacity"> {
  return {
    name,
    hostname: host.hostname,
    internalIP: ip,
    externalIPs: o.externalIPs,
    isServer: !!o.isServer,
    labels: o.labels ?? {},
    taints: o.taints ?? [],
    arch: host.arch,
    os: "linux",
    kernelVersion: host.kernelVersion,
    osImage: host.osImage,
    machineID: host.machineID,
    bootID: host.bootID,
    containerRuntimeVersion: runtimeVersion,
    localStoragePath: localStorageRoot(o.dataDir),
  };
}

/** Where the agent keeps its pods' files and logs (the kubelet's /var/lib/kubelet/pods and /var/log/pods). */
function agentPaths(dataDir: string): { podsDir: string; logRoot: string } {
  const agentDir = join(dataDir, "agent");
  return { podsDir: join(agentDir, "pods"), logRoot: join(agentDir, "logs", "pods") };
}

/** Where containers' env comes from; only real nodes list Services for it (hollow nodes by the thousand would load the API). */
function envSources(api: AgentApi, real: boolean) {
  return {
    configMap: (ns: string, name: string) => api.getConfigMap(ns, name),
    secret: (ns: string, name: string) => api.getSecret(ns, name),
    serviceAccountToken: (pod: KubeObject, audience: string | undefined, seconds: number) => api.serviceAccountToken(pod, audience, seconds),
    ...(real ? { services: (ns: string) => api.listServices(ns) } : {}),
  };
}

/**
 * A node watches each ConfigMap and Secret its pods use, by name, so their volumes follow
 * changes (the kubelet's default Watch strategy).
 */
function watchedSources(api: AgentApi, signal: AbortSignal, real: boolean): PodSources {
  return new PodSources({
    api: envSources(api, real),
    watchOne: (ref) => new RestListWatch(api.client, { path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/${ref.kind}`, query: { fieldSelector: `metadata.name=${ref.name}` } }),
    signal,
  });
}

/**
 * Hollow nodes by the hundred (`--simulate`) keep what they read for a minute (the kubelet's
 * Cache strategy, with the TTL Kubernetes gives a cluster of a thousand nodes): a watch per
 * object and node would be a thousand watches from one process, and nothing reads their files.
 * One fake-runtime node watches, as a real one.
 */
const HOLLOW_SOURCE_TTL_MS = 60_000;

/** A node running real containers: mounts, each pod's resolver by its dnsPolicy, /etc/hosts, cgroups, and the sweep of deleted local-path volumes. */
function nodePreparer(o: AgentRunOptions, api: AgentApi, facts: NodePodFacts, signal: AbortSignal, sweep: boolean, network: NodeNetwork | undefined): PodPreparer {
  // Directories of deleted local-path volumes go (see the sweeper for what is never touched);
  // not while the runtime is down, when no volume of this node is in use either.
  const sweeper = sweep
    ? new LocalVolumeSweeper({ root: localStorageRoot(o.dataDir), stateFile: join(o.dataDir, "agent", "local-volumes.json"), listVolumes: () => api.listPersistentVolumes(), signal })
    : undefined;
  sweeper?.start();
  const claims: ClaimSources = {
    claim: (ns, name) => api.getPersistentVolumeClaim(ns, name),
    volume: async (name) => {
      const pv = await api.getPersistentVolume(name);
      if (pv) sweeper?.note(pv);
      return pv;
    },
  };
  return new PodPreparer({
    ...agentPaths(o.dataDir), nodeHostname: hostname(), dns: { servers: [], searches: [], options: [] }, podDns: network?.podDns, sources: watchedSources(api, signal, true), claims, facts: () => facts,
    mounter: hostMounter, nodeHosts: "/etc/hosts", cgroupFs: "/sys/fs/cgroup",
  });
}

/**
 * A hollow node prepares its pods as a real one (volume content, env, /etc/hosts written under
 * the data dir), on an imagined host: nothing mounted, hostPath volumes neither checked nor
 * created, no cgroups. The pods' directories are keyed by uid, so hollow nodes share the dir.
 */
function hollowPreparer(o: AgentRunOptions, api: AgentApi, facts: NodePodFacts, nodeName: string, sources: PodSources): PodPreparer {
  const claims: ClaimSources = { claim: (ns, name) => api.getPersistentVolumeClaim(ns, name), volume: (name) => api.getPersistentVolume(name) };
  return new PodPreparer({
    ...agentPaths(o.dataDir), nodeHostname: nodeName, dns: { servers: [], searches: [], options: [] }, sources, claims, facts: () => facts,
    mounter: noMounter, imaginedHostPaths: true,
  });
}

/** `real`: pods get real containers (prepared on the node's own filesystem, mounts and cgroups). */
async function openRuntime(o: AgentRunOptions, api: AgentApi, host: ReturnType<typeof hostFacts>, network: NodeNetwork | undefined): Promise<{ runtime: Runtime; readiness?: () => Promise<Readiness>; version: string; real: boolean }> {
  if (o.runtime === "fake") {
    const runtime = new FakeRuntime({ startLatencyMs: o.tuning?.startLatencyMs });
    o.signal.addEventListener("abort", () => runtime.close(), { once: true });
    const v = await runtime.version();
    return { runtime, version: `${v.runtimeName}://${v.runtimeVersion}`, real: false };
  }
  try {
    return {
      ...(await startContainerdRuntime({
        dataDir: o.dataDir,
        api,
        endpoint: o.containerRuntimeEndpoint,
        clusterCidr: o.clusterCidr ?? "10.42.0.0/16",
        nodeMemoryBytes: Number(host.memoryKi) * 1024,
        podNetwork: network && ((cidr) => network.podCidrAssigned(cidr)),
        signal: o.signal,
      })),
      real: true,
    };
  } catch (e) {
    // The node still registers and says why it cannot run pods, instead of the agent dying.
    const message = `container runtime containerd is not available: ${e instanceof Error ? e.message : String(e)}`;
    log.error("agent: starting the container runtime failed", { error: message });
    return { runtime: new UnavailableRuntime(message), readiness: async () => ({ ready: false, message }), version: "containerd://unavailable", real: true };
  }
}

function primaryIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return undefined;
}

/**
 * `k3rs agent` and the server's embedded agent: credentials → API client → runtime → one
 * NodeAgent, or N hollow NodeAgents sharing one pod watch (`--simulate N`, fake runtime).
 * Knows nothing of flags.
 */
import { networkInterfaces } from "node:os";
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
import { openCri } from "./containerd/containerd-runtime.ts";
import type { KubeletSettings } from "./kubelet-settings.ts";
import { startNodeTunnel } from "./node-tunnel.ts";
import { log } from "../log.ts";
import { localStorageRoot } from "./volumes/local-storage.ts";

export type RuntimeKind = "fake" | "containerd";

export interface AgentRunOptions {
  client: RestClient;
  nodeName: string;
  nodeIp?: string;
  dataDir: string;
  runtime: RuntimeKind;
  /** Run this many hollow nodes (`<nodeName>-0` …) instead of one (fake runtime only). */
  simulate?: number;
  isServer?: boolean;
  /** An existing CRI socket (`--container-runtime-endpoint`) instead of the agent's own containerd. */
  containerRuntimeEndpoint?: string;
  /** Kubelet flags from `--kubelet-arg` (log rotation). */
  kubelet?: KubeletSettings;
  /** The cluster's pod network, for egress NAT (K3s: 10.42.0.0/16). */
  clusterCidr?: string;
  labels?: Record<string, string>;
  taints?: any[];
  signal: AbortSignal;
  /** Test knobs: lease period, status period, crash back-off base, fake start latency. */
  tuning?: Pick<NodeAgentOptions, "leaseRenewMs" | "statusCheckMs" | "statusReportMs" | "backoffBaseMs" | "recordEvents"> & { startLatencyMs?: number };
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
  const ip = o.nodeIp ?? primaryIPv4() ?? "127.0.0.1";
  const stop = new AbortController();
  o.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const nodes: NodeAgent[] = [];

  if (o.simulate !== undefined) {
    if (o.runtime !== "fake") throw new Error("--simulate runs hollow nodes and needs --runtime fake");
    const feed = new WatchPodFeed(o.client, stop.signal);
    for (let i = 0; i < o.simulate; i++) {
      const name = `${o.nodeName}-${i}`;
      const runtime = new FakeRuntime({ startLatencyMs: o.tuning?.startLatencyMs });
      stop.signal.addEventListener("abort", () => runtime.close(), { once: true });
      const facts: NodeFacts = {
        ...baseFacts(host, name, ip, o, "fake://0.1.0"),
        hostname: name,
        capacity: HOLLOW_CAPACITY,
      };
      nodes.push(new NodeAgent({ api, facts, runtime, pods: feed, signal: stop.signal, ...o.tuning }));
    }
    // Registration in parallel, a few dozen at a time, so a thousand nodes join in seconds.
    for (let i = 0; i < nodes.length; i += 50) await Promise.all(nodes.slice(i, i + 50).map((n) => n.start()));
    log.info("agent: hollow nodes running", { count: nodes.length });
    return { nodes, stop: () => stop.abort() };
  }

  const { runtime, readiness, version, logRoot } = await openRuntime(o, api, ip, host);
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
  facts.reserved = evictionReserved(facts.capacity);
  const hostReadings = () => readHostReadings(o.dataDir);
  const node = new NodeAgent({ api, facts, runtime, readiness, hostReadings, pods: new WatchPodFeed(o.client, stop.signal, o.nodeName), signal: stop.signal, ...o.tuning });
  await node.start();
  nodes.push(node);
  startNodeTunnel({ client: o.client, nodeName: o.nodeName, pods: node.pods, runtime, logRoot, signal: stop.signal });
  return { nodes, stop: () => stop.abort() };
}

function baseFacts(host: ReturnType<typeof hostFacts>, name: string, ip: string, o: AgentRunOptions, runtimeVersion: string): Omit<NodeFacts, "capacity"> {
  return {
    name,
    hostname: host.hostname,
    internalIP: ip,
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

async function openRuntime(o: AgentRunOptions, api: AgentApi, ip: string, host: ReturnType<typeof hostFacts>): Promise<{ runtime: Runtime; readiness?: () => Promise<Readiness>; version: string; logRoot?: string }> {
  if (o.runtime === "fake") {
    const runtime = new FakeRuntime({ startLatencyMs: o.tuning?.startLatencyMs });
    o.signal.addEventListener("abort", () => runtime.close(), { once: true });
    const v = await runtime.version();
    return { runtime, version: `${v.runtimeName}://${v.runtimeVersion}` };
  }
  try {
    return await openCri({
      dataDir: o.dataDir,
      api,
      endpoint: o.containerRuntimeEndpoint,
      clusterCidr: o.clusterCidr ?? "10.42.0.0/16",
      kubelet: o.kubelet,
      hostIP: () => ip,
      nodeCpuCores: Number(host.cpu),
      nodeMemoryBytes: Number(host.memoryKi) * 1024,
      signal: o.signal,
    });
  } catch (e) {
    // The node still registers and says why it cannot run pods, instead of the agent dying.
    const message = `container runtime containerd is not available: ${e instanceof Error ? e.message : String(e)}`;
    log.error("agent: starting the container runtime failed", { error: message });
    return { runtime: new UnavailableRuntime(message), readiness: async () => ({ ready: false, message }), version: "containerd://unavailable" };
  }
}

function primaryIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return undefined;
}

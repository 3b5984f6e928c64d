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
import type { NodeFacts, Readiness } from "./node/node-object.ts";
import { WatchPodFeed } from "./pod-feed.ts";
import { FakeRuntime } from "./runtime/fake.ts";
import type { Runtime } from "./runtime/types.ts";
import { UnavailableRuntime } from "./runtime/unavailable.ts";
import { log } from "../log.ts";

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

  const { runtime, readiness, version } = await openRuntime(o);
  const facts: NodeFacts = {
    ...baseFacts(host, o.nodeName, ip, o, version),
    capacity: {
      cpu: host.cpu,
      memory: `${host.memoryKi}Ki`,
      pods: "110",
      ...(host.ephemeralStorageKi ? { "ephemeral-storage": `${host.ephemeralStorageKi}Ki` } : {}),
    },
  };
  const node = new NodeAgent({ api, facts, runtime, readiness, pods: new WatchPodFeed(o.client, stop.signal, o.nodeName), signal: stop.signal, ...o.tuning });
  await node.start();
  nodes.push(node);
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
  };
}

async function openRuntime(o: AgentRunOptions): Promise<{ runtime: Runtime; readiness?: () => Promise<Readiness>; version: string }> {
  if (o.runtime === "fake") {
    const runtime = new FakeRuntime({ startLatencyMs: o.tuning?.startLatencyMs });
    o.signal.addEventListener("abort", () => runtime.close(), { once: true });
    const v = await runtime.version();
    return { runtime, version: `${v.runtimeName}://${v.runtimeVersion}` };
  }
  // The containerd (CRI) backend is the next step; until it lands the node says so instead of pretending.
  const message = "container runtime containerd: the CRI backend is not in this build yet (run the agent with --runtime fake for hollow pods)";
  return { runtime: new UnavailableRuntime(message), readiness: async () => ({ ready: false, message }), version: "containerd://unavailable" };
}

function primaryIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return undefined;
}

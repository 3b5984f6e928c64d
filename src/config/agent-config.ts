/**
 * `k3rs agent`'s resolved configuration: flags > config file > K3RS_* environment > defaults,
 * with K3s's names (`--server`, `--token`, `--node-name`, …; `K3RS_URL` as K3S_URL).
 */
import { hostname } from "node:os";
import { defaultDataDir, runtimeKind } from "./server-config.ts";
import { kubeletSettings } from "./kubelet-args.ts";
import { AGENT_FLAG_LIST, flagNames, otherRoleNames, SERVER_FLAG_LIST, type SameKeys } from "./flags.ts";
import { externalIps } from "./external-ips.ts";
import { fromEnv, list, parseLabels, parseTaints, readConfigFile, truthy } from "./sources.ts";

export interface AgentConfig {
  server: string;
  token?: string;
  dataDir: string;
  nodeName: string;
  nodeIp?: string;
  /** K3s `--node-external-ip`: the Node's ExternalIP addresses. */
  nodeExternalIp?: string[];
  nodeLabel: string[];
  nodeTaint: string[];
  runtime: "containerd" | "fake";
  /** An existing CRI socket instead of the agent's own containerd. */
  containerRuntimeEndpoint?: string;
  /** Kubelet flags K3s passes through (`--kubelet-arg key=value`; see kubelet-args.ts). */
  kubeletArg: string[];
  /** Run this many hollow nodes (fake runtime) instead of one real one. */
  simulate?: number;
  /** The interface whose IPv4 address carries pod traffic between nodes (K3s `--flannel-iface`). */
  flannelIface?: string;
  /** The resolv.conf the cluster DNS forwards to and Default-policy pods get (K3s `--resolv-conf`). */
  resolvConf?: string;
  debug: boolean;
}

/** Flag names, as K3s spells them (declared in flags.ts). */
export const AGENT_FLAGS = flagNames(AGENT_FLAG_LIST);

// Every AgentConfig key has its flag, and every flag its key.
const flagsCoverConfig: SameKeys<AgentConfig, typeof AGENT_FLAG_LIST> = true;
void flagsCoverConfig;

export type AgentConfigSource = Partial<Record<keyof AgentConfig, unknown>>;

export function resolveAgentConfig(inputs: { flags: AgentConfigSource; configPath?: string; env: Record<string, string | undefined>; isRoot: boolean }): AgentConfig {
  const file: AgentConfigSource = readConfigFile(inputs.configPath, AGENT_FLAGS, otherRoleNames(AGENT_FLAG_LIST, SERVER_FLAG_LIST));
  const env: AgentConfigSource = { ...fromEnv(inputs.env, AGENT_FLAGS) };
  if (env.server === undefined && inputs.env.K3RS_URL) env.server = inputs.env.K3RS_URL;
  const pick = <K extends keyof AgentConfig>(k: K): unknown => inputs.flags[k] ?? file[k] ?? env[k];
  const server = pick("server");
  if (server === undefined || server === "") throw new Error("--server is required (the server's URL, e.g. https://10.0.0.1:6443)");
  let url: URL;
  try {
    url = new URL(String(server));
  } catch {
    throw new Error(`invalid --server ${JSON.stringify(server)} (want https://host:port)`);
  }
  if (url.protocol !== "https:") throw new Error(`invalid --server ${JSON.stringify(server)}: the API is served over https`);
  const simulate = pick("simulate");
  let sim: number | undefined;
  if (simulate !== undefined) {
    sim = Number(simulate);
    if (!Number.isInteger(sim) || sim < 1 || sim > 100_000) throw new Error(`invalid --simulate ${JSON.stringify(simulate)} (want a number of hollow nodes, 1 or more)`);
  }
  const runtime = runtimeKind(pick("runtime") ?? (sim !== undefined ? "fake" : undefined));
  if (sim !== undefined && runtime !== "fake") throw new Error("--simulate runs hollow nodes and needs --runtime fake");
  const kubeletArg = list(pick("kubeletArg"));
  kubeletSettings(kubeletArg);
  const nodeLabel = list(pick("nodeLabel"));
  const nodeTaint = list(pick("nodeTaint"));
  parseLabels(nodeLabel, "--node-label");
  parseTaints(nodeTaint, "--node-taint");
  return {
    server: url.origin,
    token: pick("token") === undefined ? undefined : String(pick("token")),
    dataDir: String(pick("dataDir") ?? defaultDataDir(inputs.isRoot)),
    nodeName: String(pick("nodeName") ?? hostname()).toLowerCase(),
    nodeIp: pick("nodeIp") === undefined ? undefined : String(pick("nodeIp")),
    nodeExternalIp: externalIps(pick("nodeExternalIp")),
    nodeLabel,
    nodeTaint,
    runtime,
    containerRuntimeEndpoint: pick("containerRuntimeEndpoint") === undefined ? undefined : String(pick("containerRuntimeEndpoint")),
    kubeletArg,
    simulate: sim,
    flannelIface: pick("flannelIface") === undefined || pick("flannelIface") === "" ? undefined : String(pick("flannelIface")),
    resolvConf: pick("resolvConf") === undefined || pick("resolvConf") === "" ? undefined : String(pick("resolvConf")),
    debug: truthy(pick("debug")),
  };
}

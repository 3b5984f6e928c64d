/**
 * The server's resolved configuration. Precedence: flags > config file > K3RS_* environment
 * > defaults. Keys in the config file are the flag names (`https-listen-port: 6443`), as
 * with K3s's /etc/rancher/k3s/config.yaml.
 */
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG_PATH, fromEnv, list, readConfigFile, truthy } from "./sources.ts";
import { externalIps } from "./external-ips.ts";
import { componentSettings } from "./component-args.ts";
import { resolvedAuditSettings, type AuditFlags } from "./audit-settings.ts";
import { kubeletSettings } from "./kubelet-args.ts";
import { parseSchedule } from "../model/cron-schedule.ts";
import { parseReplicaUrl } from "./replica-url.ts";
import { datastoreQuota } from "./datastore-quota.ts";
import { DEFAULT_CLUSTER_NETWORK, type ClusterNetwork, type FlannelBackend, networkProblems } from "../model/cluster-network.ts";
import { AGENT_FLAG_LIST, flagNames, otherRoleNames, SERVER_FLAG_LIST, type SameKeys } from "./flags.ts";

export interface ServerConfig extends AuditFlags {
  dataDir: string;
  httpsListenPort: number;
  bindAddress: string;
  token?: string;
  /** Resources encrypted at rest (`--encrypt-resources`); absent: what the encryption config holds (secrets at first start). */
  encryptResources?: string[];
  /** A join secret for agents only (`--agent-token`); the server token still joins agents too. */
  agentToken?: string;
  nodeName: string;
  nodeIp?: string;
  /** K3s `--node-external-ip`: the embedded agent's Node's ExternalIP addresses (also in the serving cert). */
  nodeExternalIp?: string[];
  disableAgent: boolean;
  /** Packaged components not to run (`--disable`, K3s's names; see disabledComponents). */
  disable: string[];
  /** Extra kubeconfig path to write (the admin kubeconfig is always written in the data dir). */
  writeKubeconfig?: string;
  writeKubeconfigMode: number;
  debug: boolean;
  clusterCidr: string;
  serviceCidr: string;
  /** Extra SANs for the serving certificate (`--tls-san`). */
  tlsSan: string[];
  /** The embedded agent's node labels and taints (`--node-label k=v`, `--node-taint k=v:Effect`). */
  nodeLabel: string[];
  nodeTaint: string[];
  /** The embedded agent's container runtime: containerd, or fake (hollow pods, for tests). */
  runtime: "containerd" | "fake";
  /** The embedded agent's CRI socket instead of its own containerd. */
  containerRuntimeEndpoint?: string;
  /** Scheduler profile: default (least-allocated, spreads) or binpack (most-allocated); resolve always sets it. */
  schedulerProfile?: "default" | "binpack";
  /** Upstream component flags as K3s passes them (`key=value`); see component-args.ts for the keys understood. */
  kubeControllerManagerArg: string[];
  // kubeApiserverArg and the audit log's flags: AuditFlags (audit-settings.ts).
  /** Kubelet flags for the embedded agent (see kubelet-args.ts). */
  kubeletArg: string[];
  /** `--cluster-reset [--cluster-reset-restore-path FILE]`: restore a snapshot and exit, as K3s does. */
  clusterReset?: boolean;
  clusterResetRestorePath?: string;
  /**
   * Scheduled snapshots (`--snapshot-schedule-cron`, `--snapshot-retention`, `--disable-snapshots`);
   * resolve always sets them, configs built by hand (tests) get the defaults.
   */
  snapshotScheduleCron?: string;
  snapshotRetention?: number;
  disableSnapshots?: boolean;
  /** `--datastore-quota` in bytes, 0 for none (datastore-quota.ts); resolve always sets it, configs built by hand get the default. */
  datastoreQuota?: number;
  /** Litestream replication of the store; undefined: none. The secret key is never printed. */
  datastoreReplica?: string;
  datastoreReplicaEndpoint?: string;
  datastoreReplicaAccessKey?: string;
  datastoreReplicaSecretKey?: string;
  datastoreReplicaRegion?: string;
  /** Cluster DNS Service IP (K3s `--cluster-dns`) and domain (`--cluster-domain`); resolve always sets them. */
  clusterDns?: string;
  clusterDomain?: string;
  /** Pod network between nodes (K3s `--flannel-backend`): vxlan or host-gw; resolve always sets it. */
  flannelBackend?: FlannelBackend;
  /** The embedded agent's VXLAN interface (K3s `--flannel-iface`) and resolver file (`--resolv-conf`). */
  flannelIface?: string;
  resolvConf?: string;
}

export const DEFAULT_SNAPSHOT_SCHEDULE = "0 */12 * * *";
export const DEFAULT_SNAPSHOT_RETENTION = 5;

/** Flag names, as K3s spells them (declared in flags.ts). */
export const SERVER_FLAGS = flagNames(SERVER_FLAG_LIST);

// Every ServerConfig key has its flag, and every flag its key.
const flagsCoverConfig: SameKeys<ServerConfig, typeof SERVER_FLAG_LIST> = true;
void flagsCoverConfig;

export type ConfigSource = Partial<Record<keyof ServerConfig, unknown>>;

export interface ResolveInputs {
  /** Only the flags the user actually gave. */
  flags: ConfigSource;
  /** Path from --config; default /etc/k3rs/config.yaml (missing default file is fine). */
  configPath?: string;
  env: Record<string, string | undefined>;
  isRoot: boolean;
}

export { DEFAULT_CONFIG_PATH };


export function defaultDataDir(isRoot: boolean): string {
  return isRoot ? "/var/lib/k3rs" : join(homedir(), ".k3rs");
}

export function resolveServerConfig(inputs: ResolveInputs): ServerConfig {
  // Agent keys may sit in the same file (a server runs an agent too).
  const file: ConfigSource = readConfigFile(inputs.configPath, SERVER_FLAGS, otherRoleNames(SERVER_FLAG_LIST, AGENT_FLAG_LIST));
  const env: ConfigSource = fromEnv(inputs.env, SERVER_FLAGS);
  const pick = <K extends keyof ServerConfig>(k: K): unknown => inputs.flags[k] ?? file[k] ?? env[k];
  const port = Number(pick("httpsListenPort") ?? 6443);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid --https-listen-port ${JSON.stringify(pick("httpsListenPort"))}`);
  const mode = parseMode(pick("writeKubeconfigMode"));
  const sans = pick("tlsSan");
  const cfg: ServerConfig = {
    dataDir: String(pick("dataDir") ?? defaultDataDir(inputs.isRoot)),
    httpsListenPort: port,
    bindAddress: String(pick("bindAddress") ?? "0.0.0.0"),
    token: pick("token") === undefined ? undefined : String(pick("token")),
    agentToken: pick("agentToken") === undefined ? undefined : String(pick("agentToken")),
    encryptResources: pick("encryptResources") === undefined ? undefined : encryptResources(pick("encryptResources")),
    nodeName: String(pick("nodeName") ?? hostname()).toLowerCase(),
    nodeIp: pick("nodeIp") === undefined ? undefined : String(pick("nodeIp")),
    nodeExternalIp: externalIps(pick("nodeExternalIp")),
    disableAgent: truthy(pick("disableAgent")),
    disable: disabledComponents(pick("disable")),
    writeKubeconfig: pick("writeKubeconfig") === undefined ? undefined : String(pick("writeKubeconfig")),
    writeKubeconfigMode: mode,
    debug: truthy(pick("debug")),
    clusterCidr: String(pick("clusterCidr") ?? "10.42.0.0/16"),
    serviceCidr: String(pick("serviceCidr") ?? "10.43.0.0/16"),
    tlsSan: list(sans),
    nodeLabel: list(pick("nodeLabel")),
    nodeTaint: list(pick("nodeTaint")),
    runtime: runtimeKind(pick("runtime")),
    containerRuntimeEndpoint: pick("containerRuntimeEndpoint") === undefined ? undefined : String(pick("containerRuntimeEndpoint")),
    schedulerProfile: schedulerProfile(pick("schedulerProfile")),
    kubeControllerManagerArg: list(pick("kubeControllerManagerArg")),
    kubeApiserverArg: list(pick("kubeApiserverArg")),
    kubeletArg: list(pick("kubeletArg")),
    auditLogPath: optionalText(pick("auditLogPath")),
    auditPolicyFile: optionalText(pick("auditPolicyFile")),
    auditLogMaxsize: optionalCount(pick("auditLogMaxsize"), "--audit-log-maxsize"),
    auditLogMaxbackup: optionalCount(pick("auditLogMaxbackup"), "--audit-log-maxbackup"),
    auditLogMaxage: optionalCount(pick("auditLogMaxage"), "--audit-log-maxage"),
    clusterReset: truthy(pick("clusterReset")),
    clusterResetRestorePath: optionalText(pick("clusterResetRestorePath")),
    snapshotScheduleCron: String(pick("snapshotScheduleCron") ?? DEFAULT_SNAPSHOT_SCHEDULE),
    snapshotRetention: positiveInteger(pick("snapshotRetention") ?? DEFAULT_SNAPSHOT_RETENTION, "--snapshot-retention"),
    disableSnapshots: truthy(pick("disableSnapshots")),
    datastoreQuota: datastoreQuota(pick("datastoreQuota")),
    datastoreReplica: optionalText(pick("datastoreReplica")),
    datastoreReplicaEndpoint: optionalText(pick("datastoreReplicaEndpoint")),
    datastoreReplicaAccessKey: optionalText(pick("datastoreReplicaAccessKey")),
    datastoreReplicaSecretKey: optionalText(pick("datastoreReplicaSecretKey")),
    datastoreReplicaRegion: optionalText(pick("datastoreReplicaRegion")),
    clusterDns: String(pick("clusterDns") ?? DEFAULT_CLUSTER_NETWORK.clusterDns),
    clusterDomain: String(pick("clusterDomain") ?? DEFAULT_CLUSTER_NETWORK.clusterDomain).replace(/\.$/, "").toLowerCase(),
    flannelBackend: String(pick("flannelBackend") ?? DEFAULT_CLUSTER_NETWORK.flannelBackend) as FlannelBackend,
    flannelIface: optionalText(pick("flannelIface")),
    resolvConf: optionalText(pick("resolvConf")),
  };
  if (cfg.clusterResetRestorePath && !cfg.clusterReset) throw new Error("--cluster-reset-restore-path needs --cluster-reset");
  try {
    parseSchedule(cfg.snapshotScheduleCron!);
  } catch (e) {
    throw new Error(`invalid --snapshot-schedule-cron ${JSON.stringify(cfg.snapshotScheduleCron)}: ${(e as Error).message}`);
  }
  if (cfg.datastoreReplica) parseReplicaUrl(cfg.datastoreReplica);
  const problems = networkProblems(serverNetwork(cfg));
  if (problems.length) throw new Error(problems.join("; "));
  // Refuse bad component arguments now, with the flag named, rather than at start-up.
  componentSettings(cfg.kubeControllerManagerArg, cfg.kubeApiserverArg);
  resolvedAuditSettings(cfg);
  kubeletSettings(cfg.kubeletArg);
  return cfg;
}

/** The cluster network a server config describes, defaults filled in. */
export function serverNetwork(cfg: ServerConfig): ClusterNetwork {
  const d = DEFAULT_CLUSTER_NETWORK;
  return {
    clusterCidr: cfg.clusterCidr,
    serviceCidr: cfg.serviceCidr,
    clusterDns: cfg.clusterDns ?? d.clusterDns,
    clusterDomain: cfg.clusterDomain ?? d.clusterDomain,
    flannelBackend: cfg.flannelBackend ?? d.flannelBackend,
    disable: cfg.disable ?? [],
  };
}

function positiveInteger(v: unknown, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`invalid ${flag} ${JSON.stringify(v)} (want a whole number of at least 1)`);
  return n;
}

/** A whole number ≥ 0, or undefined when not given. */
function optionalCount(v: unknown, flag: string): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (!/^\d+$/.test(String(v))) throw new Error(`invalid ${flag} ${JSON.stringify(v)} (want a whole number)`);
  return Number(v);
}

function optionalText(v: unknown): string | undefined {
  return v === undefined || v === null || v === "" ? undefined : String(v);
}

function parseMode(v: unknown): number {
  if (v === undefined || v === null || v === "") return 0o600;
  const s = String(v);
  const n = typeof v === "number" && !s.startsWith("0") ? parseInt(s, 8) : parseInt(s, 8);
  if (!Number.isInteger(n) || n < 0 || n > 0o777 || !/^[0-7]+$/.test(s)) throw new Error(`invalid --write-kubeconfig-mode ${JSON.stringify(v)} (want an octal mode like 0600 or 644)`);
  return n;
}

function schedulerProfile(v: unknown): "default" | "binpack" {
  const p = v === undefined || v === null || v === "" ? "default" : String(v);
  if (p !== "default" && p !== "binpack") throw new Error(`invalid --scheduler-profile ${JSON.stringify(v)} (want default or binpack)`);
  return p;
}

export function runtimeKind(v: unknown): "containerd" | "fake" {
  const r = v === undefined || v === null || v === "" ? "containerd" : String(v);
  if (r !== "containerd" && r !== "fake") throw new Error(`invalid --runtime ${JSON.stringify(v)} (want containerd or fake)`);
  return r;
}

/** K3s's own component name for ours, where they differ: its ingress controller is Traefik. */
const COMPONENT_ALIASES: Record<string, string> = { traefik: "ingress" };

/**
 * `--disable` names, each flag value possibly comma separated (`--disable=servicelb,traefik`).
 * Any DNS-1123 name is taken: besides the components, a name skips the auto-deployed manifest
 * of that file name, as in K3s.
 */
/** `--encrypt-resources`: plural resource names, `.<group>` outside the core group, as the store keys them (`/deployments.apps/…`). */
export function encryptResources(v: unknown): string[] {
  const names = list(v).flatMap((s) => s.split(",")).map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const n of names) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n)) throw new Error(`invalid --encrypt-resources ${JSON.stringify(n)} (want plural resource names, e.g. secrets, configmaps, deployments.apps)`);
  }
  if (names.length === 0) throw new Error("--encrypt-resources needs at least one resource (e.g. secrets)");
  return [...new Set(names)];
}

export function disabledComponents(v: unknown): string[] {
  const names = list(v).flatMap((s) => s.split(",")).map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const n of names) if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n)) throw new Error(`invalid --disable ${JSON.stringify(n)} (want a component or manifest name, e.g. servicelb, ingress)`);
  return [...new Set(names.map((n) => COMPONENT_ALIASES[n] ?? n))];
}

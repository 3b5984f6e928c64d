/**
 * The server's resolved configuration. Precedence: flags > config file > K3RS_* environment
 * > defaults. Keys in the config file are the flag names (`https-listen-port: 6443`), as
 * with K3s's /etc/rancher/k3s/config.yaml.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import YAML from "yaml";

export interface ServerConfig {
  dataDir: string;
  httpsListenPort: number;
  bindAddress: string;
  token?: string;
  nodeName: string;
  nodeIp?: string;
  disableAgent: boolean;
  /** Extra kubeconfig path to write (the admin kubeconfig is always written in the data dir). */
  writeKubeconfig?: string;
  writeKubeconfigMode: number;
  debug: boolean;
  clusterCidr: string;
  serviceCidr: string;
  /** Extra SANs for the serving certificate (`--tls-san`). */
  tlsSan: string[];
}

/** Flag names, as K3s spells them. */
export const SERVER_FLAGS = {
  dataDir: "data-dir",
  httpsListenPort: "https-listen-port",
  bindAddress: "bind-address",
  token: "token",
  nodeName: "node-name",
  nodeIp: "node-ip",
  disableAgent: "disable-agent",
  writeKubeconfig: "write-kubeconfig",
  writeKubeconfigMode: "write-kubeconfig-mode",
  debug: "debug",
  clusterCidr: "cluster-cidr",
  serviceCidr: "service-cidr",
  tlsSan: "tls-san",
} as const satisfies Record<keyof ServerConfig, string>;

export type ConfigSource = Partial<Record<keyof ServerConfig, unknown>>;

export interface ResolveInputs {
  /** Only the flags the user actually gave. */
  flags: ConfigSource;
  /** Path from --config; default /etc/k3rs/config.yaml (missing default file is fine). */
  configPath?: string;
  env: Record<string, string | undefined>;
  isRoot: boolean;
}

export const DEFAULT_CONFIG_PATH = "/etc/k3rs/config.yaml";

export function defaultDataDir(isRoot: boolean): string {
  return isRoot ? "/var/lib/k3rs" : join(homedir(), ".k3rs");
}

export function resolveServerConfig(inputs: ResolveInputs): ServerConfig {
  const file = readConfigFile(inputs.configPath);
  const env = fromEnv(inputs.env);
  const pick = <K extends keyof ServerConfig>(k: K): unknown => inputs.flags[k] ?? file[k] ?? env[k];
  const port = Number(pick("httpsListenPort") ?? 6443);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid --https-listen-port ${JSON.stringify(pick("httpsListenPort"))}`);
  const mode = parseMode(pick("writeKubeconfigMode"));
  const sans = pick("tlsSan");
  return {
    dataDir: String(pick("dataDir") ?? defaultDataDir(inputs.isRoot)),
    httpsListenPort: port,
    bindAddress: String(pick("bindAddress") ?? "0.0.0.0"),
    token: pick("token") === undefined ? undefined : String(pick("token")),
    nodeName: String(pick("nodeName") ?? hostname()).toLowerCase(),
    nodeIp: pick("nodeIp") === undefined ? undefined : String(pick("nodeIp")),
    disableAgent: truthy(pick("disableAgent")),
    writeKubeconfig: pick("writeKubeconfig") === undefined ? undefined : String(pick("writeKubeconfig")),
    writeKubeconfigMode: mode,
    debug: truthy(pick("debug")),
    clusterCidr: String(pick("clusterCidr") ?? "10.42.0.0/16"),
    serviceCidr: String(pick("serviceCidr") ?? "10.43.0.0/16"),
    tlsSan: Array.isArray(sans) ? sans.map(String) : typeof sans === "string" ? sans.split(",").filter(Boolean) : [],
  };
}

function readConfigFile(path: string | undefined): ConfigSource {
  const p = path ?? DEFAULT_CONFIG_PATH;
  if (!existsSync(p)) {
    if (path) throw new Error(`config file ${p} does not exist`);
    return {};
  }
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(p, "utf8"));
  } catch (cause) {
    throw new Error(`reading config file ${p}`, { cause });
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error(`config file ${p} must be a YAML mapping of flag names to values`);
  const out: ConfigSource = {};
  const byFlag = new Map<string, keyof ServerConfig>(Object.entries(SERVER_FLAGS).map(([k, f]) => [f as string, k as keyof ServerConfig]));
  for (const [k, v] of Object.entries(raw)) {
    const key = byFlag.get(k);
    if (!key) throw new Error(`config file ${p}: unknown key ${JSON.stringify(k)}`);
    out[key] = v;
  }
  return out;
}

function fromEnv(env: Record<string, string | undefined>): ConfigSource {
  const out: ConfigSource = {};
  for (const [k, flag] of Object.entries(SERVER_FLAGS)) {
    const v = env[`K3RS_${flag.toUpperCase().replace(/-/g, "_")}`];
    if (v !== undefined && v !== "") out[k as keyof ServerConfig] = v;
  }
  return out;
}

function truthy(v: unknown): boolean {
  return v === true || v === "true" || v === "1" || v === 1;
}

function parseMode(v: unknown): number {
  if (v === undefined || v === null || v === "") return 0o600;
  const s = String(v);
  const n = typeof v === "number" && !s.startsWith("0") ? parseInt(s, 8) : parseInt(s, 8);
  if (!Number.isInteger(n) || n < 0 || n > 0o777 || !/^[0-7]+$/.test(s)) throw new Error(`invalid --write-kubeconfig-mode ${JSON.stringify(v)} (want an octal mode like 0600 or 644)`);
  return n;
}

/**
 * Config sources shared by every role: the YAML file whose keys are flag names (as K3s's
 * /etc/rancher/k3s/config.yaml) and `K3RS_<FLAG_NAME>` environment variables.
 */
import { existsSync, readFileSync } from "node:fs";

export const DEFAULT_CONFIG_PATH = "/etc/k3rs/config.yaml";

/** Reads the config file into config keys; unknown keys are errors (a typo must not pass silently). */
export function readConfigFile<K extends string>(path: string | undefined, flags: Record<K, string>, ignoreKeys: string[] = []): Partial<Record<K, unknown>> {
  const p = path ?? DEFAULT_CONFIG_PATH;
  if (!existsSync(p)) {
    if (path) throw new Error(`config file ${p} does not exist`);
    return {};
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(p, "utf8"));
  } catch (cause) {
    throw new Error(`reading config file ${p}`, { cause });
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error(`config file ${p} must be a YAML mapping of flag names to values`);
  const out: Partial<Record<K, unknown>> = {};
  const byFlag = new Map<string, K>(Object.entries(flags).map(([k, f]) => [f as string, k as K]));
  for (const [k, v] of Object.entries(raw)) {
    const key = byFlag.get(k);
    if (!key) {
      if (ignoreKeys.includes(k)) continue;
      throw new Error(`config file ${p}: unknown key ${JSON.stringify(k)}`);
    }
    out[key] = v;
  }
  return out;
}

export function fromEnv<K extends string>(env: Record<string, string | undefined>, flags: Record<K, string>): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const [k, flag] of Object.entries(flags)) {
    const v = env[`K3RS_${(flag as string).toUpperCase().replace(/-/g, "_")}`];
    if (v !== undefined && v !== "") out[k as K] = v;
  }
  return out;
}

export function truthy(v: unknown): boolean {
  return v === true || v === "true" || v === "1" || v === 1;
}

/** A repeatable flag from any source: an array, or comma-separated text. */
export function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  if (typeof v === "string") return v.split(",").map((s) => s.trim()).filter(Boolean);
  return [];
}

/** `key=value` labels (`--node-label`). */
export function parseLabels(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf("=");
    if (i <= 0) throw new Error(`invalid ${flag} ${JSON.stringify(item)} (want key=value)`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** `key[=value]:Effect` taints (`--node-taint`), as K3s and kubectl write them. */
export function parseTaints(items: string[], flag: string): { key: string; value?: string; effect: string }[] {
  return items.map((item) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(item);
    if (!m) throw new Error(`invalid ${flag} ${JSON.stringify(item)} (want key[=value]:NoSchedule|PreferNoSchedule|NoExecute)`);
    return { key: m[1]!, ...(m[2] !== undefined && m[2] !== "" ? { value: m[2] } : {}), effect: m[3]! };
  });
}

/**
 * The YAML parser, loaded only when a config file is there to read (most agents have none):
 * evaluated at start it is ~1 MiB of an idle agent's RSS (bench/agent-rss.ts). require(), not
 * import(), keeps the config readers synchronous.
 */
function parseYaml(text: string): unknown {
  return (require("yaml") as typeof import("yaml")).parse(text);
}

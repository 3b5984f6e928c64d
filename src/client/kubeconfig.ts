/**
 * Loads a kubeconfig the way kubectl does (enough of it): explicit path, then $KUBECONFIG,
 * then /etc/k3rs/k3rs.yaml when readable, then ~/.kube/config; the current context's
 * cluster and user; certificates inline (`-data`) or from files relative to the kubeconfig.
 *
 * @example
 *   const cfg = loadKubeconfig(findKubeconfig(flags.kubeconfig, { env: process.env }));
 *   const client = new RestClient(cfg);
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import YAML from "yaml";

export interface ClientConfig {
  server: string;
  /** PEM text. */
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecure?: boolean;
  /** Namespace of the current context, if set. */
  namespace?: string;
  /** Where the config came from, for messages. */
  path: string;
}

export class KubeconfigError extends Error {}

/** The k3rs server writes its admin kubeconfig here when it runs as root (like k3s.yaml). */
export const K3RS_KUBECONFIG = "/etc/k3rs/k3rs.yaml";

export interface FindOptions {
  env?: Record<string, string | undefined>;
  home?: string;
  /** Default K3RS_KUBECONFIG; tests point it elsewhere. */
  systemPath?: string;
}

/** Which kubeconfig file to read; throws KubeconfigError when none is usable. */
export function findKubeconfig(explicit: string | undefined, opts: FindOptions = {}): string {
  if (explicit) return explicit;
  const fromEnv = opts.env?.KUBECONFIG?.split(":").filter(Boolean);
  if (fromEnv?.length) {
    // kubectl merges every file in $KUBECONFIG; the first existing one carries the context we use.
    const found = fromEnv.find((p) => existsSync(p));
    if (found) return found;
    throw new KubeconfigError(`none of the files in KUBECONFIG exist: ${fromEnv.join(":")}`);
  }
  const candidates = [opts.systemPath ?? K3RS_KUBECONFIG, join(opts.home ?? homedir(), ".kube", "config")];
  for (const c of candidates) {
    try {
      accessSync(c, constants.R_OK);
      return c;
    } catch {
      // Not there or not readable (a non-root user and the root-only k3rs.yaml): try the next.
    }
  }
  throw new KubeconfigError(`no kubeconfig found (tried ${candidates.join(", ")}); pass --kubeconfig or set KUBECONFIG`);
}

interface KubeconfigUser {
  "client-certificate-data"?: string;
  "client-certificate"?: string;
  "client-key-data"?: string;
  "client-key"?: string;
  token?: string;
  tokenFile?: string;
}

/** The parts of a kubeconfig file read here (YAML from disk: lookups guard with `?.`). */
interface KubeconfigFile {
  "current-context"?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string; namespace?: string } }[];
  clusters?: {
    name?: string;
    cluster?: { server?: string; "certificate-authority-data"?: string; "certificate-authority"?: string; "insecure-skip-tls-verify"?: boolean };
  }[];
  users?: { name?: string; user?: KubeconfigUser }[];
}

/** Reads `path` and resolves `context` (default: current-context) into what a client needs. */
export function loadKubeconfig(path: string, context?: string): ClientConfig {
  let doc: KubeconfigFile | null | undefined;
  try {
    doc = YAML.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new KubeconfigError(`reading kubeconfig ${path}: ${(cause as Error).message}`, { cause });
  }
  if (!doc || typeof doc !== "object") throw new KubeconfigError(`kubeconfig ${path} is empty`);
  const ctxName = context ?? doc["current-context"];
  if (!ctxName) throw new KubeconfigError(`kubeconfig ${path}: current-context is not set; pass --context`);
  const ctx = (doc.contexts ?? []).find((c) => c?.name === ctxName)?.context;
  if (!ctx) throw new KubeconfigError(`kubeconfig ${path}: context "${ctxName}" not found`);
  const cluster = (doc.clusters ?? []).find((c) => c?.name === ctx.cluster)?.cluster;
  if (!cluster) throw new KubeconfigError(`kubeconfig ${path}: cluster "${ctx.cluster}" of context "${ctxName}" not found`);
  if (!cluster.server) throw new KubeconfigError(`kubeconfig ${path}: cluster "${ctx.cluster}" has no server`);
  let user: KubeconfigUser | undefined = {};
  if (ctx.user) {
    user = (doc.users ?? []).find((u) => u?.name === ctx.user)?.user;
    if (!user) throw new KubeconfigError(`kubeconfig ${path}: user "${ctx.user}" of context "${ctxName}" not found`);
  }
  const base = dirname(path);
  const readFile = (file: string, what: string) => {
    const full = isAbsolute(file) ? file : join(base, file);
    try {
      return readFileSync(full, "utf8");
    } catch (cause) {
      throw new KubeconfigError(`kubeconfig ${path}: reading ${what} ${full}: ${(cause as Error).message}`, { cause });
    }
  };
  const pem = (data: string | undefined, file: string | undefined, what: string) => {
    if (data) return Buffer.from(data, "base64").toString("utf8");
    if (file) return readFile(file, what);
    return undefined;
  };
  return {
    server: String(cluster.server).replace(/\/$/, ""),
    ca: pem(cluster["certificate-authority-data"], cluster["certificate-authority"], "certificate-authority"),
    cert: pem(user["client-certificate-data"], user["client-certificate"], "client-certificate"),
    key: pem(user["client-key-data"], user["client-key"], "client-key"),
    token: user.token ?? (user.tokenFile ? readFile(user.tokenFile, "tokenFile").trim() : undefined),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    namespace: ctx.namespace || undefined,
    path,
  };
}

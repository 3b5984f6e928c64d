/**
 * Loads a kubeconfig the way kubectl does (enough of it): explicit path, then $KUBECONFIG,
 * then /etc/k3rs/k3rs.yaml when readable, then ~/.kube/config; the current context's
 * cluster and user; certificates inline (`-data`) or from files.
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import YAML from "yaml";

export interface ClientConfig {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecure?: boolean;
  /** Namespace of the current context, if set. */
  namespace?: string;
  path: string;
}

export class KubeconfigError extends Error {}

export function findKubeconfig(explicit: string | undefined, env: Record<string, string | undefined>): string {
  if (explicit) return explicit;
  const fromEnv = env.KUBECONFIG?.split(":").find((p) => p && existsSync(p));
  if (fromEnv) return fromEnv;
  const candidates = ["/etc/k3rs/k3rs.yaml", join(homedir(), ".kube", "config")];
  for (const c of candidates) {
    try {
      accessSync(c, constants.R_OK);
      return c;
    } catch {}
  }
  throw new KubeconfigError("no kubeconfig found; pass --kubeconfig or set KUBECONFIG");
}

export function loadKubeconfig(path: string, context?: string): ClientConfig {
  let doc: any;
  try {
    doc = YAML.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new KubeconfigError(`reading kubeconfig ${path}: ${(cause as Error).message}`, { cause });
  }
  const ctxName = context ?? doc?.["current-context"];
  const ctx = (doc?.contexts ?? []).find((c: any) => c.name === ctxName)?.context;
  if (!ctx) throw new KubeconfigError(`kubeconfig ${path}: context ${JSON.stringify(ctxName)} not found`);
  const cluster = (doc.clusters ?? []).find((c: any) => c.name === ctx.cluster)?.cluster;
  const user = (doc.users ?? []).find((u: any) => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new KubeconfigError(`kubeconfig ${path}: cluster ${JSON.stringify(ctx.cluster)} has no server`);
  const base = dirname(path);
  const read = (data?: string, file?: string) => {
    if (data) return Buffer.from(data, "base64").toString("utf8");
    if (file) return readFileSync(isAbsolute(file) ? file : join(base, file), "utf8");
    return undefined;
  };
  return {
    server: String(cluster.server).replace(/\/$/, ""),
    ca: read(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: read(user["client-certificate-data"], user["client-certificate"]),
    key: read(user["client-key-data"], user["client-key"]),
    token: user.token ?? (user.tokenFile ? readFileSync(user.tokenFile, "utf8").trim() : undefined),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    namespace: ctx.namespace,
    path,
  };
}

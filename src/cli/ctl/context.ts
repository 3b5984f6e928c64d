/** What every `k3rs ctl` command works with: a client, discovery, the namespace, and its output streams. */
import { findKubeconfig, loadKubeconfig } from "../../client/kubeconfig.ts";
import { RestClient } from "../../client/rest-client.ts";
import { Discovery } from "../../client/discovery.ts";
import { StatusError } from "../../model/errors.ts";

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export interface CtlContext extends Output {
  client: RestClient;
  discovery: Discovery;
  namespace: string;
  /** True when -n was given (kubectl then refuses a different namespace in a manifest). */
  explicitNamespace: boolean;
}

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export const stdio: Output = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export function makeContext(g: GlobalOptions, io: Output = stdio, env = process.env): CtlContext {
  const cfg = loadKubeconfig(findKubeconfig(g.kubeconfig, { env }), g.context);
  const client = new RestClient(cfg);
  return { ...io, client, discovery: new Discovery(client), namespace: g.namespace ?? cfg.namespace ?? "default", explicitNamespace: g.namespace !== undefined };
}

/** kubectl's way of reporting a failure: `Error from server (NotFound): …` or `error: …`. */
export function formatError(e: unknown): string {
  if (e instanceof StatusError) return `Error from server (${e.reason}): ${e.message}\n`;
  const msg = e instanceof Error ? e.message : String(e);
  return `error: ${msg}\n`;
}

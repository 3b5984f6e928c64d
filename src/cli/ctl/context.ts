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

/** Ends a verb with a given exit code after its message, printed as it is (a remote command's exit, kubectl's usage errors). */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** A usage error: kubectl adds a pointer to the command's help (`See 'kubectl taint -h' …`). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
  }
}

/**
 * kubectl's way of reporting a failure (`cmdutil.CheckErr`): Invalid as `The Kind "name" is
 * invalid: field: message`, Unauthorized as a login hint, other Status errors as
 * `Error from server (Reason): …`, anything else as `error: …`.
 */
export function formatError(e: unknown): string {
  if (e instanceof ExitError) return e.message ? `${e.message}\n` : "";
  // Worded as kubectl words it, so that scripts matching its output keep working.
  if (e instanceof UsageError) return `error: ${e.message}\nSee 'kubectl ${e.command} -h' for help and examples\n`;
  if (e instanceof StatusError) {
    if (e.reason === "Invalid" && e.details) {
      const d = e.details;
      const head = d.kind || d.name ? `The ${d.kind ?? ""} "${d.name ?? ""}" is invalid` : "The request is invalid";
      const causes = (d.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message}` : String(c.message)));
      if (causes.length === 0) return `${head}\n`;
      if (causes.length === 1) return `${head}: ${causes[0]}\n`;
      return `${head}: \n${causes.map((c) => `* ${c}`).join("\n")}\n`;
    }
    if (e.reason === "Unauthorized") return `error: You must be logged in to the server (${e.message})\n`;
    return e.reason ? `Error from server (${e.reason}): ${e.message}\n` : `Error from server: ${e.message}\n`;
  }
  const msg = e instanceof Error ? e.message : String(e);
  return `error: ${msg}\n`;
}

/**
 * `pods/exec`, `pods/attach` and `pods/portforward` — the apiserver's ExecREST, AttachREST
 * and PortForwardREST: options decoded, the location found as `streamLocation` does (the
 * container chosen as for logs, then a node required), then the upgrade proxied to the
 * node's agent through its tunnel, at the kubelet's paths (`/exec/{ns}/{pod}/{container}`,
 * `/attach/…`, `/portForward/{ns}/{pod}`). Like the apiserver's UpgradeAwareHandler, the
 * agent's answer goes back as it is: a 101 and then the raw protocol both ways (the agent
 * speaks WebSocket and SPDY itself), or its refusal with its own status and words.
 */
import { errors, StatusError } from "../../model/errors.ts";
import { readBody, readResponseHead, relay, requestHead, upgradeRequestHeaders } from "../../streaming/http-upgrade.ts";
import { chooseContainer } from "./pod-log.ts";
import type { ResourceContext } from "./context.ts";

export type PodStream = "exec" | "attach" | "portforward";

export function isPodStream(sub: string | undefined): sub is PodStream {
  return sub === "exec" || sub === "attach" || sub === "portforward";
}

/** How long the agent gets to answer the upgrade (it asks its runtime for a URL first). */
const AGENT_ANSWER_MS = 60_000;
const enc = encodeURIComponent;
const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["", "0", "f", "F", "FALSE", "false", "False"]);

/** A boolean query parameter as Go's strconv.ParseBool reads it. */
function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || FALSE.has(v)) return false;
  if (TRUE.has(v)) return true;
  throw errors.badRequest(`invalid value for ${name}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** The kubelet path and query the options become (`streamParams`: booleans as "1"). */
export function agentPath(kind: PodStream, namespace: string, name: string, container: string | undefined, q: URLSearchParams): string {
  const params = new URLSearchParams();
  if (kind === "portforward") {
    const ports = q.getAll("ports").flatMap((p) => p.split(",")).filter(Boolean);
    for (const p of ports) {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw errors.badRequest(`invalid port ${JSON.stringify(p)}: ports must be in the range 1-65535`);
    }
    if (ports.length) params.set("ports", ports.join(","));
    const query = params.toString();
    return `/portForward/${enc(namespace)}/${enc(name)}${query ? `?${query}` : ""}`;
  }
  for (const flag of ["stdin", "stdout", "stderr", "tty"]) if (boolParam(q, flag)) params.set(flag, "1");
  if (kind === "exec") for (const c of q.getAll("command")) params.append("command", c);
  const query = params.toString();
  return `/${kind}/${enc(namespace)}/${enc(name)}/${enc(container!)}${query ? `?${query}` : ""}`;
}

export async function podStreamHandler(ctx: ResourceContext, kind: PodStream): Promise<Response> {
  const method = ctx.req.method;
  if (method !== "GET" && method !== "POST") throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
  const name = ctx.path.name!;
  const namespace = ctx.path.namespace!;
  const q = ctx.url.searchParams;
  const pod = await ctx.storage.get(ctx.def, namespace, name);
  const container = kind === "portforward" ? undefined : chooseContainer(pod, q.get("container") || undefined);
  const nodeName: string | undefined = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const path = agentPath(kind, namespace, name, container, q);
  const upgrade = ctx.upgrade;
  if (!upgrade) throw errors.badRequest("Upgrade request required");
  if (!ctx.nodes?.connected(nodeName)) throw errors.unavailable(`node "${nodeName}" has no tunnel to this server: its agent is not connected`);
  const agent = ctx.nodes.dial(nodeName);
  agent.on("error", () => agent.destroy());
  agent.write(requestHead(method, path, [["Host", "agent"], ...upgradeRequestHeaders(upgrade.request), ["Content-Length", "0"]]));
  let res;
  try {
    res = await readResponseHead(agent, { timeoutMs: AGENT_ANSWER_MS });
  } catch (e) {
    agent.destroy();
    throw new StatusError(500, "InternalError", `error dialing backend: node "${nodeName}": ${(e as Error).message}`, undefined, { cause: e });
  }
  if (res.status !== 101) {
    const body = await readBody(agent, res);
    agent.destroy();
    return new Response(body, { status: res.status, headers: { "content-type": res.headers["content-type"]?.[0] ?? "text/plain; charset=utf-8" } });
  }
  upgrade.taken = true;
  upgrade.socket.write(res.raw);
  if (upgrade.head.length) agent.write(upgrade.head);
  void relay(upgrade.socket, agent);
  return new Response(null, { status: 101 });
}

/**
 * `/api/v1/nodes/{name}/proxy/{path}` — the apiserver's node proxy (NodeProxyOptions): the
 * request is passed to the node's kubelet API, here the agent's, reached through its tunnel as
 * pod logs are, and the answer streamed back as it comes, status and body untouched. So
 * `kubectl get --raw /api/v1/nodes/<node>/proxy/metrics` reads a joined agent's /metrics, which
 * listens on no port of its own. RBAC guards it as `nodes/proxy`, which — as in Kubernetes —
 * grants the whole kubelet API. The apiserver also accepts `<node>:<port>` names; only the
 * kubelet's port (or none) is served here, the agent having no other; and only reads (GET,
 * HEAD): what the agent serves for writes (exec, port-forward) has its own pods/ subresources.
 */
import { errors, StatusError } from "../../model/errors.ts";
import type { ResourceContext } from "./context.ts";

const KUBELET_PORT = "10250";
/** Headers that belong to one hop (RFC 9110 §7.6.1), not passed either way. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "authorization"]);

export async function nodeProxyHandler(ctx: ResourceContext): Promise<Response> {
  if (ctx.req.method !== "GET" && ctx.req.method !== "HEAD") throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
  const { node, port } = splitName(ctx.path.name!);
  if (port !== undefined && port !== KUBELET_PORT && port !== `https:${KUBELET_PORT}`)
    throw errors.badRequest(`node "${node}": only the kubelet port ${KUBELET_PORT} can be proxied to`);
  // NotFound for a node that does not exist, as the apiserver's ResourceLocation says.
  await ctx.storage.get(ctx.def, undefined, node);
  if (!ctx.nodes?.connected(node)) throw errors.unavailable(`node "${node}" has no tunnel to this server: its agent is not connected`);
  const path = `${ctx.path.proxyPath ?? "/"}${ctx.url.search}`;
  const req = ctx.req;
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    if (!HOP_BY_HOP.has(k)) headers[k] = v;
  });
  let res: Response;
  try {
    res = await ctx.nodes.fetch(node, path, { method: req.method, headers, signal: ctx.signal });
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw new StatusError(503, "ServiceUnavailable", `error trying to reach node "${node}": ${(e as Error).message}`, undefined, { cause: e });
  }
  const out = new Headers();
  res.headers.forEach((v, k) => {
    if (!HOP_BY_HOP.has(k)) out.set(k, v);
  });
  return new Response(res.body, { status: res.status, headers: out });
}

/** `n1`, `n1:10250`, `https:n1:10250` (the apiserver's `scheme:name:port`). */
function splitName(name: string): { node: string; port?: string } {
  const parts = name.split(":");
  if (parts.length === 1) return { node: name };
  if (parts.length === 2) return { node: parts[0]!, port: parts[1] };
  return { node: parts[1]!, port: `${parts[0]}:${parts[2]}` };
}

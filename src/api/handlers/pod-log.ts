/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log` — the apiserver's LogREST: options decoded and
 * validated, the container chosen as `LogLocation` does, then the node's agent asked through
 * its tunnel (`/containerLogs/…`, the kubelet's path) and its answer streamed back as it comes.
 * The agent's refusals come back as the apiserver's response checker makes them: its 400 text
 * as a BadRequest, anything else as an error carrying its text.
 */
import type { KubeObject } from "../../model/object.ts";
import { errors, StatusError } from "../../model/errors.ts";
import { parsePodLogOptions, podLogQuery } from "../../model/pod-log-options.ts";
import type { ResourceContext } from "./context.ts";

const MAX_ERROR_BYTES = 4096;
const enc = encodeURIComponent;

export async function podLogHandler(ctx: ResourceContext): Promise<Response> {
  const name = ctx.path.name!;
  const namespace = ctx.path.namespace!;
  const opts = parsePodLogOptions(ctx.url.searchParams, name);
  const pod = await ctx.storage.get(ctx.def, namespace, name);
  const container = chooseContainer(pod, opts.container);
  const nodeName: string | undefined = pod.spec?.nodeName;
  // Not scheduled yet: the apiserver streams nothing (LogLocation gives no location → 204).
  if (!nodeName) return new Response(null, { status: 204 });
  const path = `/containerLogs/${enc(namespace)}/${enc(name)}/${enc(container)}${podLogQuery(opts)}`;
  if (!ctx.nodes?.connected(nodeName)) {
    // Hollow nodes (the fake runtime, many per process) hold no tunnel and write no logs.
    if (await isHollowNode(ctx, nodeName)) return new Response("", { headers: { "content-type": "text/plain" } });
    throw errors.unavailable(`node "${nodeName}" has no tunnel to this server: its agent is not connected`);
  }
  let res: Response;
  try {
    res = await ctx.nodes.fetch(nodeName, path, { signal: ctx.signal });
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw new StatusError(500, "InternalError", `reading the logs from node "${nodeName}": ${(e as Error).message}`, undefined, { cause: e });
  }
  if (res.status < 200 || res.status > 206) throw await agentError(res, name);
  return new Response(res.body, { status: 200, headers: { "content-type": "text/plain" } });
}

/**
 * The apiserver's `validateContainer`: the named one must exist (init and ephemeral
 * containers count); none named is fine only for a pod of one container.
 */
export function chooseContainer(pod: KubeObject, name: string | undefined): string {
  const spec = pod.spec ?? {};
  const all: string[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c: any) => c.name);
  const podName = pod.metadata.name;
  if (name) {
    if (!all.includes(name)) throw errors.badRequest(`container ${name} is not valid for pod ${podName}`);
    return name;
  }
  const containers: any[] = spec.containers ?? [];
  if (containers.length === 1) return containers[0].name;
  if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${podName}`);
  throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${all.join(" ")}]`);
}

async function isHollowNode(ctx: ResourceContext, nodeName: string): Promise<boolean> {
  const def = ctx.registry.find("", "v1", "nodes");
  if (!def) return false;
  try {
    const node = await ctx.storage.get(def, undefined, nodeName);
    return String(node.status?.nodeInfo?.containerRuntimeVersion ?? "").startsWith("fake://");
  } catch {
    return false;
  }
}

async function agentError(res: Response, podName: string): Promise<StatusError> {
  const text = await readLimited(res, MAX_ERROR_BYTES);
  const message = text.trim() || `the node's agent answered HTTP ${res.status}`;
  if (res.status === 400 || res.status === 422) return errors.badRequest(message);
  if (res.status === 404) return new StatusError(404, "NotFound", message, { name: podName, kind: "pods/log" });
  return new StatusError(500, "InternalError", message);
}

async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(parts).subarray(0, max).toString("utf8");
}

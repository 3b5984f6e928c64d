/**
 * `GET /containerLogs/{namespace}/{pod}/{container}` — the kubelet's endpoint, with its
 * answers: 404 for a pod or container this node does not run, 400 for a container with no
 * such run (plain-text messages, which the API server passes on), otherwise the log as
 * text/plain, streamed and flushed as it is read (follow keeps the response open).
 */
import type { KubeObject } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import { parsePodLogOptions, sinceNanos } from "../../model/pod-log-options.ts";
import type { Runtime } from "../runtime/types.ts";
import { locateContainerLog } from "../logs/locate.ts";
import { readCriLog } from "../logs/read-log.ts";

export interface ContainerLogsDeps {
  /** The pod this node runs under that name (the kubelet's pod manager). */
  podByName(namespace: string, name: string): KubeObject | undefined;
  runtime: Runtime;
  /** Root of the CRI log files; undefined when the runtime writes none (fake). */
  logRoot?: string;
  now?: () => number;
  /** Follow's poll period (tests shorten it). */
  pollMs?: number;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };
const q = JSON.stringify;

export function text(status: number, message: string): Response {
  return new Response(message, { status, headers: TEXT });
}

export async function containerLogs(deps: ContainerLogsDeps, req: Request, namespace: string, podName: string, container: string): Promise<Response> {
  const url = new URL(req.url);
  let opts;
  try {
    opts = parsePodLogOptions(url.searchParams, podName);
  } catch (e) {
    if (isStatusError(e)) return text(e.code, e.message);
    throw e;
  }
  const pod = deps.podByName(namespace, podName);
  if (!pod) return text(404, `pod ${q(podName)} does not exist`);
  const spec = pod.spec ?? {};
  const known = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].some((c: any) => c.name === container);
  if (!known) return text(404, `container ${q(container)} not found in pod ${q(podName)}`);
  let location;
  try {
    location = await locateContainerLog(deps.runtime, deps.logRoot, pod, container, opts.previous);
  } catch (e) {
    if (isStatusError(e)) return text(e.code, e.message);
    throw e;
  }
  if (!location.path) return new Response("", { headers: TEXT });
  const it = readCriLog(
    location.path,
    { follow: opts.follow, tailLines: opts.tailLines, limitBytes: opts.limitBytes, timestamps: opts.timestamps, sinceNs: sinceNanos(opts, (deps.now ?? Date.now)()) },
    { isRunning: location.isRunning, signal: req.signal, pollMs: deps.pollMs },
  );
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await it.return(undefined);
    },
  }, { highWaterMark: 0 });
  return new Response(body, { headers: TEXT });
}

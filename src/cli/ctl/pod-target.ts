/**
 * What `logs`, `exec`, `attach` and `port-forward` act on: a pod named as `NAME`, `pod/NAME`
 * or a workload (`deploy/web`, `svc/web`, `job/x`) whose selector picks pods — the first by
 * kubectl's logging order — and, within a pod, the container to use by default.
 */
import { resourcePath } from "../../client/discovery.ts";
import { fromLabelSelector, requirementsToString } from "../../model/label-selector.ts";
import type { CtlContext } from "./context.ts";

/** The annotation that names a pod's default container for logs/exec/attach. */
export const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

/** The pod kubectl would pick; `foundMessage` is its stderr note when several matched. */
export async function resolvePod(ctx: CtlContext, target: string): Promise<{ pod: any; note?: string }> {
  const slash = target.indexOf("/");
  if (slash < 0) return { pod: await ctx.client.request(`/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(target)}`) };
  const type = target.slice(0, slash);
  const name = target.slice(slash + 1);
  const r = await ctx.discovery.resolve(type);
  if (r.group === "" && r.plural === "pods") return { pod: await ctx.client.request(resourcePath(r, ctx.namespace, name)) };
  const owner = await ctx.client.request(resourcePath(r, ctx.namespace, name));
  const selector = selectorOf(owner);
  if (selector === undefined) throw new Error(`cannot attach to ${owner.kind}: selector for ${owner.kind} not implemented`);
  const pods = ((await ctx.client.request(`/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods`, { query: { labelSelector: selector } })).items ?? []) as any[];
  if (!pods.length) throw new Error(`timed out waiting for the condition`);
  pods.sort(byLogging);
  return { pod: pods[0], note: pods.length > 1 ? `Found ${pods.length} pods, using pod/${pods[0].metadata.name}\n` : undefined };
}

/** A workload's pod selector as a query string; a Service's is a plain map. */
export function selectorOf(obj: any): string | undefined {
  if (obj.kind === "Service") {
    const sel = obj.spec?.selector as Record<string, string> | undefined;
    return sel && Object.keys(sel).length ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(",") : undefined;
  }
  const sel = obj.spec?.selector;
  if (!sel) return undefined;
  return requirementsToString(fromLabelSelector(sel));
}

const PHASE_RANK: Record<string, number> = { Running: 0, Unknown: 1, Pending: 2 };

function ready(p: any): boolean {
  return (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
}
function restarts(p: any): number {
  return Math.max(0, ...(p.status?.containerStatuses ?? []).map((s: any) => s.restartCount ?? 0));
}

/** kubectl's `podutils.ByLogging`: scheduled, running, ready, most restarted, then oldest first. */
export function byLogging(a: any, b: any): number {
  const na = a.spec?.nodeName ?? "";
  const nb = b.spec?.nodeName ?? "";
  if (na !== nb && (!na || !nb)) return na ? -1 : 1;
  const pa = PHASE_RANK[a.status?.phase] ?? 3;
  const pb = PHASE_RANK[b.status?.phase] ?? 3;
  if (pa !== pb) return pa - pb;
  if (ready(a) !== ready(b)) return ready(a) ? -1 : 1;
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ta = Date.parse(a.metadata?.creationTimestamp ?? "") || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? "") || 0;
  return ta - tb;
}

/** The container to use when none was named, and kubectl's stderr note when the pod has several. */
export function defaultContainer(pod: any): { name: string; note?: string } {
  const names = (pod.spec?.containers ?? []).map((c: any) => c.name as string);
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && names.includes(annotated)) return { name: annotated };
  const name = names[0];
  if (!name) throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} does not have any containers`);
  const others = names.length > 1 || (pod.spec?.initContainers ?? []).length > 0 || (pod.spec?.ephemeralContainers ?? []).length > 0;
  return { name, note: others ? `Defaulted container "${name}" out of: ${allContainerNames(pod).join(", ")}\n` : undefined };
}

/** Containers, then init containers with their kind, as kubectl's "out of" list names them. */
function allContainerNames(pod: any): string[] {
  return [...(pod.spec?.containers ?? []).map((c: any) => c.name), ...(pod.spec?.ephemeralContainers ?? []).map((c: any) => `${c.name} (ephem)`), ...(pod.spec?.initContainers ?? []).map((c: any) => `${c.name} (init)`)];
}

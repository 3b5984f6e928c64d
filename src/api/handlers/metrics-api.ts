/**
 * `metrics.k8s.io/v1beta1` — what metrics-server serves and `kubectl top` reads: NodeMetrics
 * (cluster-scoped `nodes`) and PodMetrics (namespaced `pods`), get and list only, computed
 * from the agents' readings (a MetricsSource), never stored. As metrics-server does:
 * - the objects behind them are listed with the request's label and field selectors and in
 *   the API's order; items without usage (hollow or unreachable nodes, pods too new to have
 *   two readings) are left out of lists, which `kubectl top node` shows as `<unknown>`;
 * - a get names the missing object (`nodes "x" not found`) or, for an object without usage,
 *   the metrics (`nodemetrics.metrics.k8s.io "x" not found`,
 *   `podmetrics.metrics.k8s.io "ns/x" not found`);
 * - only Running pods have metrics; objects carry their subject's labels, a creation time
 *   of now, the reading's `timestamp` and the CPU rate's `window`.
 */
import type { KubeObject } from "../../model/object.ts";
import { errors, StatusError } from "../../model/errors.ts";
import { formatGoDuration } from "../../model/duration.ts";
import type { NodeUsage, PodUsage } from "../../resource-metrics/types.ts";
import { buildFilter } from "../storage/filter.ts";
import { negotiateTable } from "../request.ts";
import { json } from "./respond.ts";
import { toTable } from "./table.ts";
import type { ResourceContext } from "./context.ts";

export const METRICS_GROUP = "metrics.k8s.io";
const API_VERSION = "metrics.k8s.io/v1beta1";

/** metav1.Time: RFC 3339 to the second. */
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

function meta(subject: KubeObject, now: number): KubeObject["metadata"] {
  const m: KubeObject["metadata"] = { name: subject.metadata.name };
  if (subject.metadata.namespace) m.namespace = subject.metadata.namespace;
  m.creationTimestamp = rfc3339(now);
  if (subject.metadata.labels) m.labels = subject.metadata.labels;
  return m;
}

export function nodeMetricsObject(node: KubeObject, u: NodeUsage, now: number): KubeObject {
  return { kind: "NodeMetrics", apiVersion: API_VERSION, metadata: meta(node, now), timestamp: rfc3339(u.timestampMs), window: formatGoDuration(u.windowMs), usage: u.usage };
}

/** Containers in the pod spec's order, which is how `kubectl top pod --containers` lists them. */
export function podMetricsObject(pod: KubeObject, u: PodUsage, now: number): KubeObject {
  const order = new Map<string, number>((pod.spec?.containers ?? []).map((c: any, i: number) => [c.name, i]));
  const rank = (name: string) => order.get(name) ?? Number.MAX_SAFE_INTEGER;
  const containers = [...u.containers].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return { kind: "PodMetrics", apiVersion: API_VERSION, metadata: meta(pod, now), timestamp: rfc3339(u.timestampMs), window: formatGoDuration(u.windowMs), containers };
}

export async function metricsApiHandler(ctx: ResourceContext): Promise<Response> {
  const { def, path, url } = ctx;
  const qualified = `${def.kind.toLowerCase()}.${def.group}`;
  if (ctx.req.method !== "GET") throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
  if (path.watchPath || url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
    throw new StatusError(405, "MethodNotAllowed", `watch is not supported on resources of kind ${JSON.stringify(qualified)}`, { kind: qualified });
  }
  const source = ctx.metrics;
  const now = Date.now();
  const isNodes = def.plural === "nodes";
  const subjectDef = ctx.registry.find("", "v1", isNodes ? "nodes" : "pods")!;
  const usageOf = (obj: KubeObject): KubeObject | undefined => {
    if (!source) return undefined;
    if (isNodes) {
      const u = source.node(obj.metadata.name!);
      return u && nodeMetricsObject(obj, u, now);
    }
    if (obj.status?.phase !== "Running") return undefined;
    const u = source.pod(obj.metadata.namespace!, obj.metadata.name!);
    return u && podMetricsObject(obj, u, now);
  };
  const table = negotiateTable(ctx.req, url);

  if (path.name) {
    const subject = await ctx.storage.get(subjectDef, path.namespace, path.name);
    const item = usageOf(subject);
    if (!item) {
      const name = isNodes ? path.name : `${path.namespace}/${path.name}`;
      throw new StatusError(404, "NotFound", `${qualified} ${JSON.stringify(name)} not found`, { name, group: def.group, kind: def.kind.toLowerCase() });
    }
    return json(table ? toTable(def, [item], table.includeObject, {}) : item);
  }

  const filter = buildFilter(subjectDef, url);
  const subjects = (await ctx.storage.list(subjectDef, path.namespace, { filter })).items;
  subjects.sort((a, b) => (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || a.metadata.name!.localeCompare(b.metadata.name!));
  const items = subjects.map(usageOf).filter((x): x is KubeObject => !!x);
  if (table) return json(toTable(def, items, table.includeObject, {}));
  // List items carry no kind of their own, as Go serializes a typed list.
  const bare = items.map(({ kind: _k, apiVersion: _v, ...rest }) => rest);
  return json({ kind: `${def.kind}List`, apiVersion: API_VERSION, metadata: {}, items: bare });
}

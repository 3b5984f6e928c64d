/**
 * When a pod must leave a node for its NoExecute taints (kubernetes
 * `pkg/controller/tainteviction`): at once if any is untolerated; otherwise after the
 * shortest tolerationSeconds among the tolerations in use, counted from when the taint
 * appeared; never if those tolerations have no limit.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Pod, Toleration } from "../../model/kinds.ts";
import { toleratesTaint, type Taint } from "../../model/taints.ts";

export function noExecuteTaints(node: KubeObject | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t: Taint) => t.effect === "NoExecute");
}

/** Epoch ms at which to evict, or undefined for never. */
export function evictionTime(pod: Pod, taints: Taint[], nowMs: number): number | undefined {
  if (!taints.length) return undefined;
  const tolerations: Toleration[] = pod.spec?.tolerations ?? [];
  const used = new Set<Toleration>();
  for (const taint of taints) {
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (!matching.length) return nowMs;
    for (const t of matching) used.add(t);
  }
  let minSeconds: number | undefined;
  for (const t of used) {
    if (t.tolerationSeconds == null) continue;
    const s = Math.max(0, Number(t.tolerationSeconds));
    if (minSeconds === undefined || s < minSeconds) minSeconds = s;
  }
  if (minSeconds === undefined) return undefined;
  let since: number | undefined;
  for (const taint of taints) {
    const added = Date.parse(taint.timeAdded ?? "");
    if (Number.isFinite(added) && (since === undefined || added > since)) since = added;
  }
  return (since ?? nowMs) + minSeconds * 1000;
}

/** Taints with NoSchedule / NoExecute keep out pods that do not tolerate them. */
import type { FilterPlugin } from "../types.ts";

export const NAME = "TaintToleration";

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

/** Kubernetes' ToleratesTaint: empty key + Exists tolerates everything; empty effect matches all effects. */
export function tolerates(tolerations: any[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t?.effect && t.effect !== taint.effect) return false;
    if (!t?.key) return t?.operator === "Exists";
    if (t.key !== taint.key) return false;
    return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
  });
}

export const taintToleration = {
  name: NAME,
  filter(pod, info) {
    for (const taint of info.node.spec?.taints ?? []) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!tolerates(pod.spec?.tolerations ?? [], taint)) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
    }
    return undefined;
  },
} satisfies FilterPlugin;

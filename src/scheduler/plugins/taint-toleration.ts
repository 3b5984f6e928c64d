/**
 * TaintToleration: NoSchedule/NoExecute taints keep out pods that do not tolerate them
 * (Filter); PreferNoSchedule taints the pod does not tolerate count against a node (Score,
 * reversed: fewest such taints scores 100).
 */
import { fail, type Plugin, type Taint } from "../types.ts";
import { defaultNormalize } from "./normalize.ts";
import { tolerates } from "../../model/taints.ts";
import type { Toleration } from "../../model/kinds.ts";

export const NAME = "TaintToleration";

export const taintToleration: Plugin = {
  name: NAME,
  filter(cycle, info) {
    const tolerations = cycle.pod.pod.spec?.tolerations ?? [];
    for (const taint of info.taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!tolerates(tolerations, taint)) return fail(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`, true);
    }
    return undefined;
  },
  preScore(cycle) {
    const all: Toleration[] = cycle.pod.pod.spec?.tolerations ?? [];
    cycle.data.set(NAME, all.filter((t) => !t?.effect || t.effect === "PreferNoSchedule"));
    return undefined;
  },
  score(cycle, info) {
    const tolerations = cycle.data.get(NAME) as Toleration[];
    let n = 0;
    for (const taint of info.taints) if (taint.effect === "PreferNoSchedule" && !tolerates(tolerations, taint)) n++;
    return n;
  },
  normalize: (_cycle, scores) => defaultNormalize(scores, true),
};

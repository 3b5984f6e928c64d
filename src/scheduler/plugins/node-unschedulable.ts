/** Cordoned nodes (spec.unschedulable) take no new pods unless the pod tolerates the unschedulable taint. */
import type { FilterPlugin } from "../types.ts";
import { tolerates } from "./taint-toleration.ts";

export const NAME = "NodeUnschedulable";

export const nodeUnschedulable = {
  name: NAME,
  filter(pod, info) {
    if (info.node.spec?.unschedulable !== true) return undefined;
    const taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };
    return tolerates(pod.spec?.tolerations ?? [], taint) ? undefined : "node(s) were unschedulable";
  },
} satisfies FilterPlugin;

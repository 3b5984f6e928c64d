/** Cordoned nodes (spec.unschedulable) take no new pods unless the pod tolerates the unschedulable taint. */
import { fail, type Plugin } from "../types.ts";
import { tolerates } from "../../model/taints.ts";

export const NAME = "NodeUnschedulable";
export const ERR_REASON = "node(s) were unschedulable";
const TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export const nodeUnschedulable: Plugin = {
  name: NAME,
  filter(cycle, info) {
    if (info.node?.spec?.unschedulable !== true) return undefined;
    return tolerates(cycle.pod.pod.spec?.tolerations ?? [], TAINT) ? undefined : fail(ERR_REASON, true);
  },
};

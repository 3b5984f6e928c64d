/**
 * Whether a node should run a DaemonSet's pod (NodeShouldRunDaemonPod), judged with the
 * scheduler's own NodeAffinity and TaintToleration rules on the pod as it would be made (daemon
 * tolerations included). Two answers, as in Kubernetes: `shouldRun` (create one if missing) and
 * `shouldContinueRunning` (keep one that is there) — a new NoSchedule taint stops new pods but
 * leaves running ones; only an untolerated NoExecute taint or a selector change removes them.
 */
import type { KubeObject } from "../../model/object.ts";
import type { DaemonSet, Node, PodSpec, PodTemplateSpec } from "../../model/kinds.ts";
import { matchesRequiredNodeAffinity } from "../../model/node-selector.ts";
import { tolerates } from "../../model/taints.ts";
import type { Taint } from "../../model/taints.ts";
import { daemonTemplate } from "./daemon-pod.ts";

export interface NodeFit {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
}

/** `template` is `daemonTemplate(ds)`; passing it in lets a sync compute it once for every node. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet, template: PodTemplateSpec = daemonTemplate(ds)): NodeFit {
  const spec: Partial<PodSpec> = template.spec ?? {};
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "" }, spec } as KubeObject;
  if (!matchesRequiredNodeAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = spec.tolerations ?? [];
  const taints: Taint[] = node.spec?.taints ?? [];
  const untolerated = (effect: string) => taints.some((t) => t.effect === effect && !tolerates(tolerations, t));
  if (untolerated("NoExecute")) return { shouldRun: false, shouldContinueRunning: false };
  if (untolerated("NoSchedule")) return { shouldRun: false, shouldContinueRunning: true };
  return { shouldRun: true, shouldContinueRunning: true };
}

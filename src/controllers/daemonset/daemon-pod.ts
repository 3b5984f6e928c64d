/**
 * The pod a DaemonSet puts on one node (kubernetes `pkg/controller/daemon/util`): the template
 * with the daemon tolerations added, labelled with the template hash, and pinned to its node
 * by a required node affinity on `metadata.name` (since 1.12 the scheduler, not the
 * controller, binds daemon pods — so resources, ports and preemption are checked as for any pod).
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import type { Affinity, DaemonSet, Pod, PodSpec, PodTemplateSpec, Toleration } from "../../model/kinds.ts";
import { podFromTemplate } from "../framework/pod-util.ts";
import { REVISION_HASH_LABEL } from "../history/revision.ts";

/** The label older DaemonSets matched pods on, from the `deprecated.daemonset.template.generation` annotation. */
export const TEMPLATE_GENERATION_LABEL = "pod-template-generation";
export const TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";

/**
 * Added to every daemon pod (AddOrUpdateDaemonPodTolerations): daemons keep running on
 * not-ready/unreachable nodes (no tolerationSeconds: never evicted) and ignore node pressure
 * and cordons; host-network daemons (CNI plugins among them) also ignore network-unavailable.
 */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
    { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
  ];
  if (hostNetwork) t.push({ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" });
  return t;
}

const sameToleration = (a: Toleration, b: Toleration) =>
  (a.key ?? "") === (b.key ?? "") && (a.operator || "Equal") === (b.operator || "Equal") && (a.value ?? "") === (b.value ?? "") && (a.effect ?? "") === (b.effect ?? "");

/** The pod's tolerations with each daemon toleration added, replacing a user's same one (which may carry tolerationSeconds). */
export function withDaemonTolerations(tolerations: Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const t of daemonTolerations(hostNetwork)) {
    const i = out.findIndex((u) => sameToleration(u, t));
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/**
 * The affinity with its required node terms replaced by `metadata.name In [node]`
 * (ReplaceDaemonSetPodNodeNameNodeAffinity): the node was already checked against the
 * user's terms, and ORed terms would let the pod land elsewhere.
 */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const out: Affinity = cloneObject(affinity ?? {});
  out.nodeAffinity ??= {};
  out.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }],
  };
  return out;
}

/** The node a daemon pod is for: its nodeName once bound, else the node its affinity pins it to (GetTargetNodeName). */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term?.matchFields ?? []) {
      if (f?.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** The template a DaemonSet's pods are made from, tolerations added (also what eligibility is judged on). */
export function daemonTemplate(ds: DaemonSet, hash?: string): PodTemplateSpec & { spec: PodSpec } {
  const t: PodTemplateSpec = cloneObject(ds.spec?.template ?? {});
  const metadata = (t.metadata ??= {});
  // A template without a spec makes pods without containers, which the API refuses.
  const spec = (t.spec ??= {} as PodSpec);
  spec.tolerations = withDaemonTolerations(spec.tolerations, spec.hostNetwork === true);
  const labels: Record<string, string> = { ...(metadata.labels ?? {}) };
  const generation = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (generation) labels[TEMPLATE_GENERATION_LABEL] = generation;
  if (hash) labels[REVISION_HASH_LABEL] = hash;
  metadata.labels = labels;
  return Object.assign(t, { spec });
}

export function daemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const t = daemonTemplate(ds, hash);
  t.spec.affinity = pinToNode(t.spec.affinity, nodeName);
  return podFromTemplate(t, ds);
}

/** IsPodUpdated: the pod carries the current hash (or, for old pods, the current template generation). */
export function isPodUpdated(pod: Pod, hash: string, ds?: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  if (hash && labels[REVISION_HASH_LABEL] === hash) return true;
  const generation = ds?.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation;
}

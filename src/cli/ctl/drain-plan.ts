/**
 * Which pods `drain` evicts, skips or refuses, as kubectl's drain filters decide: in order,
 * DaemonSet-managed, mirror, local storage (emptyDir), unreplicated; the first filter that keeps
 * a pod stops the chain, and the last status seen is the pod's.
 */

export type Reason = "okay" | "skip" | "warning" | "error";

export interface PodStatus {
  pod: any;
  delete: boolean;
  reason: Reason;
  message?: string;
}

export interface DrainFlags {
  ignoreDaemonsets?: boolean;
  deleteEmptydirData?: boolean;
  force?: boolean;
}

export const MESSAGES = {
  daemonSetFatal: "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)",
  daemonSetWarning: "ignoring DaemonSet-managed Pods",
  localStorageFatal: "Pods with local storage (use --delete-emptydir-data to override)",
  localStorageWarning: "deleting Pods with local storage",
  unmanagedFatal: "cannot delete Pods that declare no controller (use --force to override)",
  unmanagedWarning: "deleting Pods that declare no controller",
};

const finished = (p: any) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
const controllerOf = (p: any) => (p.metadata?.ownerReferences ?? []).find((r: any) => r.controller);

type Filter = (pod: any, f: DrainFlags) => Omit<PodStatus, "pod">;

const FILTERS: Filter[] = [
  (pod, f) => {
    if (controllerOf(pod)?.kind !== "DaemonSet") return { delete: true, reason: "okay" };
    return f.ignoreDaemonsets ? { delete: false, reason: "warning", message: MESSAGES.daemonSetWarning } : { delete: false, reason: "error", message: MESSAGES.daemonSetFatal };
  },
  (pod) => (pod.metadata?.annotations?.["kubernetes.io/config.mirror"] ? { delete: false, reason: "skip" } : { delete: true, reason: "okay" }),
  (pod, f) => {
    if (finished(pod) || !(pod.spec?.volumes ?? []).some((v: any) => v.emptyDir)) return { delete: true, reason: "okay" };
    return f.deleteEmptydirData ? { delete: true, reason: "warning", message: MESSAGES.localStorageWarning } : { delete: false, reason: "error", message: MESSAGES.localStorageFatal };
  },
  (pod, f) => {
    if (finished(pod) || controllerOf(pod)) return { delete: true, reason: "okay" };
    return f.force ? { delete: true, reason: "warning", message: MESSAGES.unmanagedWarning } : { delete: false, reason: "error", message: MESSAGES.unmanagedFatal };
  },
];

export function planDrain(pods: any[], f: DrainFlags): { statuses: PodStatus[]; errors: string[]; warnings: string } {
  const statuses = pods.map((pod) => {
    let s: Omit<PodStatus, "pod"> = { delete: true, reason: "okay" };
    for (const filter of FILTERS) {
      s = filter(pod, f);
      if (!s.delete) break;
    }
    return { pod, ...s };
  });
  const group = (reason: Reason) => {
    const by = new Map<string, string[]>();
    for (const s of statuses) if (s.reason === reason) by.set(s.message ?? "unexpected error", [...(by.get(s.message ?? "unexpected error") ?? []), `${s.pod.metadata.namespace}/${s.pod.metadata.name}`]);
    return [...by];
  };
  return {
    statuses,
    errors: group("error").map(([msg, pods]) => `cannot delete ${msg}: ${pods.join(", ")}`),
    warnings: group("warning").map(([msg, pods]) => `${msg}: ${pods.join(", ")}`).join("; "),
  };
}

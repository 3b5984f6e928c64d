/**
 * Taints and tolerations (core/v1 `Toleration.ToleratesTaint`), shared by the scheduler, the
 * DefaultTolerationSeconds admission and the NoExecute taint eviction.
 */
export interface Taint {
  key: string;
  value?: string;
  effect: string;
  /** A zero time is written as null. */
  timeAdded?: string | null;
}

/** The well-known taints the node lifecycle controller keeps. */
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";

export function toleratesTaint(t: any, taint: Taint): boolean {
  if (t?.effect && t.effect !== taint.effect) return false;
  if (t?.key && t.key !== taint.key) return false;
  const op = t?.operator ?? "";
  if (op === "Exists") return true;
  return (op === "" || op === "Equal") && (t?.value ?? "") === (taint.value ?? "");
}

export function tolerates(tolerations: any[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

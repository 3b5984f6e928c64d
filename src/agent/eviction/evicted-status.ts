/** A pod status as the kubelet leaves an evicted pod: Failed, reason Evicted, and why. */

/** Marks a computed terminal status as an eviction's (pkg/kubelet/eviction: evictPod). */
export function markEvicted(status: { phase?: string; reason?: string; message?: string; conditions: any[] }, message: string): void {
  status.phase = "Failed";
  status.reason = "Evicted";
  status.message = message;
  status.conditions = [
    ...status.conditions.filter((c) => c.type !== "DisruptionTarget"),
    { type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message },
  ];
}

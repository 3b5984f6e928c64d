/**
 * The kinds whose delete is more than "gone once no finalizer holds it" (DeletionStrategy):
 * pods on a node are given a grace period for their kubelet to stop them; namespaces stay
 * Terminating until the namespace controller has emptied them (spec.finalizers).
 */
import type { KubeObject } from "../../model/object.ts";
import type { DeletionStrategy } from "./types.ts";

/** The grace a pod gets when neither the request nor the pod says (v1.DefaultTerminationGracePeriodSeconds). */
const DEFAULT_POD_GRACE_SECONDS = 30;

/**
 * pod's CheckGracefulDelete: a pod no kubelet runs (unscheduled) or that has finished has
 * nothing to stop and goes at once; otherwise the request's grace, else the pod's own.
 */
export const podDeletion: DeletionStrategy = {
  gracePeriod(pod: KubeObject, requested: number | undefined): number {
    if (!pod.spec?.nodeName) return 0;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return 0;
    if (requested !== undefined) return requested;
    // A pod stored before validation may hold anything here; what is not a grace is none given.
    const own: unknown = pod.spec.terminationGracePeriodSeconds;
    return Number.isSafeInteger(own) && (own as number) >= 0 ? (own as number) : DEFAULT_POD_GRACE_SECONDS;
  },
};

export const namespaceDeletion: DeletionStrategy = {
  held: (ns: KubeObject) => (ns.spec?.finalizers?.length ?? 0) > 0,
  markDeleting(ns: KubeObject): void {
    ns.status = { ...(ns.status ?? {}), phase: "Terminating" };
  },
};

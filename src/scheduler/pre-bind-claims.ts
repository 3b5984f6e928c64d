/**
 * PreBind for volumes: each claim of the pod that waits for its first consumer and is not
 * bound yet gets `volume.kubernetes.io/selected-node: <node>`, so the binder matches it to a
 * volume on that node or hands it to the provisioner, which creates one there. The pod is
 * bound right after; its agent waits (ContainerCreating) until the claim is Bound.
 * Kubernetes' scheduler also waits for the binding before binding the pod; here a fast
 * in-process provisioner and the agent's retry make that wait unnecessary.
 */
import type { KubeObject } from "../model/object.ts";
import type { Pod } from "../model/kinds.ts";
import type { ObjectStorage } from "../api/storage/object-storage.ts";
import type { ResourceDef } from "../api/resources/types.ts";
import { errors } from "../model/errors.ts";
import { ANN_SELECTED_NODE } from "../volume-binding/annotations.ts";
import { isDelayBinding, podClaimNames, selectedNode } from "../volume-binding/claims.ts";
import type { StorageLister } from "./types.ts";

/** The claims PreBind has to annotate for this pod on `node`. */
export function claimsToSelect(pod: Pod, node: string, storage: StorageLister): KubeObject[] {
  const out: KubeObject[] = [];
  for (const name of podClaimNames(pod)) {
    const pvc = storage.claim(pod.metadata.namespace!, name);
    if (!pvc || pvc.spec?.volumeName || selectedNode(pvc) === node) continue;
    if (isDelayBinding(pvc, (c) => storage.storageClass(c))) out.push(pvc);
  }
  return out;
}

/** Throws NotFound/Conflict when a claim vanished or was bound meanwhile (the pod is then retried). */
export async function preBindClaims(storage: ObjectStorage, claimDef: ResourceDef, pod: Pod, node: string, lister: StorageLister): Promise<void> {
  for (const pvc of claimsToSelect(pod, node, lister)) {
    await storage.update(claimDef, pvc.metadata.namespace, pvc.metadata.name!, (cur) => {
      if (cur.metadata.uid !== pvc.metadata.uid) throw errors.notFound("", "persistentvolumeclaims", pvc.metadata.name!);
      if (cur.spec?.volumeName) return cur;
      cur.metadata.annotations = { ...cur.metadata.annotations, [ANN_SELECTED_NODE]: node };
      return cur;
    });
  }
}

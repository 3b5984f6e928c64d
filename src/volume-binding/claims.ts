/**
 * Facts about claims, volumes and classes that the PV controller, the provisioner, the
 * scheduler and admission all need the same answer to (Kubernetes keeps these in
 * component-helpers/storage/volume).
 */
import type { KubeObject } from "../model/object.ts";
import { ANN_BETA_DEFAULT_CLASS, ANN_BETA_STORAGE_CLASS, ANN_DEFAULT_CLASS, ANN_SELECTED_NODE } from "./annotations.ts";

/** A claim's or volume's class: the beta annotation, else spec.storageClassName, else "" (no class). */
export function storageClassOf(obj: KubeObject): string {
  const ann = obj.metadata.annotations?.[ANN_BETA_STORAGE_CLASS];
  if (ann !== undefined) return ann;
  return obj.spec?.storageClassName ?? "";
}

export function isDefaultClass(sc: KubeObject): boolean {
  const ann = sc.metadata.annotations ?? {};
  return ann[ANN_DEFAULT_CLASS] === "true" || ann[ANN_BETA_DEFAULT_CLASS] === "true";
}

/**
 * The class a claim without one gets: among classes marked default, the newest (name breaks
 * ties), as Kubernetes does since 1.28 so that adding a second default does not break creates.
 */
export function pickDefaultClass(classes: KubeObject[]): KubeObject | undefined {
  const defaults = classes.filter((c) => isDefaultClass(c) && !c.metadata.deletionTimestamp);
  defaults.sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? "";
    const tb = b.metadata.creationTimestamp ?? "";
    if (ta !== tb) return ta < tb ? 1 : -1;
    return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1;
  });
  return defaults[0];
}

/**
 * Whether binding waits for the first pod (the class says WaitForFirstConsumer). A claim
 * without a class, or naming a class that does not exist, binds at once (IsDelayBindingMode).
 */
export function isDelayBinding(pvc: KubeObject, classOf: (name: string) => KubeObject | undefined): boolean {
  const name = storageClassOf(pvc);
  if (!name) return false;
  return classOf(name)?.volumeBindingMode === "WaitForFirstConsumer";
}

/** The node the scheduler chose for a delayed claim, if any. */
export function selectedNode(pvc: KubeObject): string | undefined {
  return pvc.metadata.annotations?.[ANN_SELECTED_NODE] || undefined;
}

/**
 * Names of the claims a pod's persistentVolumeClaim volumes use. Generic ephemeral volumes
 * are left out: nothing creates their claims yet (no ephemeral-volume controller).
 */
export function podClaimNames(pod: KubeObject): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) if (v?.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
  return out;
}

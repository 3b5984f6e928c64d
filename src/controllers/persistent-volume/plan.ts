/**
 * The PV controller's decisions (pkg/controller/volume/persistentvolume: syncClaim,
 * syncVolume), as pure functions of one claim or volume and the cached world, so every rule
 * is a table test. The controller only carries the returned action out.
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus } from "../../model/kinds.ts";
import { ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_STORAGE_PROVISIONER } from "../../volume-binding/annotations.ts";
import { isDelayBinding, selectedNode, storageClassOf } from "../../volume-binding/claims.ts";
import { findMatchingVolume, isVolumeBoundToClaim } from "../../volume-binding/match.ts";

export interface World {
  volumes: Iterable<KubeObject>;
  volume(name: string): KubeObject | undefined;
  storageClass(name: string): KubeObject | undefined;
  node(name: string): KubeObject | undefined;
}

export interface ClaimEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export type ClaimAction =
  /** Complete the binding of claim and volume (each step idempotent). */
  | { type: "bind"; volume: KubeObject }
  /** Leave the claim Pending; say why. */
  | { type: "pending"; event?: ClaimEvent }
  /** Ask `provisioner` for a volume (annotate the claim), leaving it Pending. */
  | { type: "provision"; provisioner: string; event: ClaimEvent }
  /** The bound volume is gone or taken: phase Lost. */
  | { type: "lost"; event: ClaimEvent }
  | { type: "none" };

export type VolumeAction =
  | { type: "phase"; phase: "Available" | "Bound" | "Released" | "Failed"; message?: string }
  /** Drop a claimRef the controller set for a claim now bound elsewhere. */
  | { type: "unbind" }
  /** Reclaim policy Delete: the volume object goes. */
  | { type: "delete" }
  | { type: "none" };

const hasAnn = (obj: KubeObject, ann: string) => obj.metadata.annotations?.[ann] !== undefined;

export function planClaim(pvc: PersistentVolumeClaim, world: World): ClaimAction {
  if (pvc.metadata.deletionTimestamp && !pvc.spec?.volumeName) return { type: "none" };
  const volumeName: string | undefined = pvc.spec?.volumeName || undefined;
  if (!volumeName) return planUnboundClaim(pvc, world);
  const pv = world.volume(volumeName);
  if (!pv) {
    if (hasAnn(pvc, ANN_BIND_COMPLETED)) return { type: "lost", event: { type: "Warning", reason: "ClaimLost", message: "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!" } };
    return { type: "pending", event: { type: "Warning", reason: "FailedBinding", message: `volume "${volumeName}" not found` } };
  }
  if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, pvc)) return { type: "bind", volume: pv };
  if (hasAnn(pvc, ANN_BIND_COMPLETED)) return { type: "lost", event: { type: "Warning", reason: "ClaimMisbound", message: "Two claims are bound to the same volume, this one is bound incorrectly" } };
  return { type: "pending", event: { type: "Warning", reason: "FailedBinding", message: `volume "${volumeName}" already bound to a different claim.` } };
}

function planUnboundClaim(pvc: PersistentVolumeClaim, world: World): ClaimAction {
  const delay = isDelayBinding(pvc, world.storageClass);
  const chosen = delay ? selectedNode(pvc) : undefined;
  // K3s differs from Kubernetes here: the scheduler only names the node, and static volumes
  // reachable from it are matched by this controller rather than pre-bound by the scheduler.
  const node = chosen ? world.node(chosen) : undefined;
  const pv = findMatchingVolume(pvc, world.volumes, { delayBinding: delay, node });
  if (pv) return { type: "bind", volume: pv };
  if (delay && !chosen) {
    return { type: "pending", event: { type: "Normal", reason: "WaitForFirstConsumer", message: "waiting for first consumer to be created before binding" } };
  }
  const className = storageClassOf(pvc);
  if (!className) {
    return { type: "pending", event: { type: "Normal", reason: "FailedBinding", message: "no persistent volumes available for this claim and no storage class is set" } };
  }
  const sc = world.storageClass(className);
  if (!sc) return { type: "pending", event: { type: "Warning", reason: "ProvisioningFailed", message: `storageclass.storage.k8s.io "${className}" not found` } };
  const provisioner = String(sc.provisioner ?? "");
  return {
    type: "provision",
    provisioner,
    event: {
      type: "Normal",
      reason: "ExternalProvisioning",
      message: `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    },
  };
}

/**
 * `claim` is the claim the volume's claimRef names, looked up by namespace/name; a claim of
 * that name with another uid counts as gone (it is a new claim, not ours).
 */
export function planVolume(pv: PersistentVolume, claim: KubeObject | undefined): VolumeAction {
  const phase = pv.status?.phase;
  const ref = pv.spec?.claimRef;
  if (!ref) return phase === "Available" ? { type: "none" } : { type: "phase", phase: "Available" };
  // Pre-bound by a user to a claim not seen yet: Available until that claim binds it.
  if (!ref.uid) return phase === "Available" || phase === "Bound" ? { type: "none" } : { type: "phase", phase: "Available" };
  const ours = claim && claim.metadata.uid === ref.uid ? claim : undefined;
  if (!ours) {
    if (phase !== "Released" && phase !== "Failed") return { type: "phase", phase: "Released" };
    if (phase === "Failed") return { type: "none" };
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? "Retain";
    if (policy === "Delete") return pv.metadata.deletionTimestamp ? { type: "none" } : { type: "delete" };
    if (policy === "Recycle") return { type: "phase", phase: "Failed", message: "Recycle is not supported by k3rs; use Delete or Retain" };
    return { type: "none" };
  }
  const claimVolume = ours.spec?.volumeName || "";
  if (!claimVolume) {
    // Half-way through a bind (volume first, then claim): the claim's sync finishes it.
    return { type: "none" };
  }
  if (claimVolume === pv.metadata.name) return phase === "Bound" ? { type: "none" } : { type: "phase", phase: "Bound" };
  // The claim went to another volume: a binding the controller made is undone; a user's stays.
  if (hasAnn(pv, ANN_BOUND_BY_CONTROLLER)) return { type: "unbind" };
  return phase === "Available" ? { type: "none" } : { type: "phase", phase: "Available" };
}

/** The claim as bound to `pv` (spec half): volumeName and the binding annotations. */
export function boundClaim(pvc: PersistentVolumeClaim, pv: PersistentVolume): KubeObject {
  const next = cloneObject(pvc);
  const ann = (next.metadata.annotations ??= {});
  if (next.spec?.volumeName !== pv.metadata.name) {
    next.spec = { ...next.spec, volumeName: pv.metadata.name };
    ann[ANN_BOUND_BY_CONTROLLER] = "yes";
  }
  ann[ANN_BIND_COMPLETED] = "yes";
  return next;
}

/** The claim's status once bound: what the volume offers. */
export function boundClaimStatus(pvc: PersistentVolumeClaim, pv: PersistentVolume): PersistentVolumeClaimStatus {
  return { ...pvc.status, phase: "Bound", accessModes: pv.spec?.accessModes, capacity: pv.spec?.capacity };
}

/** The volume as bound to `pvc` (spec half): a claimRef with the claim's uid. */
export function boundVolume(pv: PersistentVolume, pvc: PersistentVolumeClaim): KubeObject {
  const next = cloneObject(pv);
  const ref = next.spec?.claimRef;
  if (ref?.uid === pvc.metadata.uid && ref?.name === pvc.metadata.name && ref?.namespace === pvc.metadata.namespace) return next;
  if (!ref) (next.metadata.annotations ??= {})[ANN_BOUND_BY_CONTROLLER] = "yes";
  next.spec = {
    ...next.spec,
    claimRef: { kind: "PersistentVolumeClaim", namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, apiVersion: "v1", resourceVersion: pvc.metadata.resourceVersion },
  };
  return next;
}

/** The provisioner annotations a claim waiting for provisioning carries (new and beta names). */
export function provisionAnnotations(provisioner: string): Record<string, string> {
  return { [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner };
}

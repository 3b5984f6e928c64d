/** PersistentVolume and PersistentVolumeClaim printers. */
import type { Printer } from "./types.ts";
import { ageColumn, col, nameColumn, wide } from "./columns.ts";
import { since } from "./human-duration.ts";

const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

/** Access modes in the fixed order Kubernetes prints them (`GetAccessModesAsString`). */
export function accessModes(modes: string[] | undefined): string {
  const list = modes ?? [];
  const short: [string, string][] = [
    ["ReadWriteOnce", "RWO"],
    ["ReadOnlyMany", "ROX"],
    ["ReadWriteMany", "RWX"],
    ["ReadWriteOncePod", "RWOP"],
  ];
  return short.filter(([m]) => list.includes(m)).map(([, s]) => s).join(",");
}

/** The beta annotation still wins over spec.storageClassName, as in Kubernetes' helpers. */
function storageClass(obj: any): string {
  const ann = obj.metadata?.annotations?.[BETA_CLASS_ANNOTATION];
  if (ann !== undefined) return ann;
  return obj.spec?.storageClassName ?? "";
}

export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn,
    col("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
    col("Access Modes", "accessModes contains all ways the volume can be mounted."),
    col("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
    col("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
    col("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
    col("StorageClass", "StorageClass of the pv"),
    col("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
    col("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
    ageColumn,
    wide("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state."),
  ],
  cells(pv, now) {
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "";
    return [
      pv.metadata.name ?? "",
      spec.capacity?.storage ?? "0",
      accessModes(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? "",
      pv.metadata.deletionTimestamp ? "Terminating" : (pv.status?.phase ?? ""),
      claim,
      storageClass(pv),
      spec.volumeAttributesClassName ?? "<unset>",
      pv.status?.reason ?? "",
      since(pv.metadata.creationTimestamp, now),
      spec.volumeMode ?? "<unset>",
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn,
    col("Status", "phase represents the current phase of PersistentVolumeClaim."),
    col("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
    col("Capacity", "capacity represents the actual resources of the underlying volume."),
    col("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
    col("StorageClass", "StorageClass of the pvc"),
    col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
    ageColumn,
    wide("VolumeMode", "volumeMode defines what type of volume is required by the claim."),
  ],
  cells(pvc, now) {
    const spec = pvc.spec ?? {};
    const bound = Boolean(spec.volumeName);
    return [
      pvc.metadata.name ?? "",
      pvc.metadata.deletionTimestamp ? "Terminating" : (pvc.status?.phase ?? ""),
      spec.volumeName ?? "",
      // Capacity and modes describe the bound volume, so they stay empty until binding.
      bound ? (pvc.status?.capacity?.storage ?? "0") : "",
      bound ? accessModes(pvc.status?.accessModes) : "",
      storageClass(pvc),
      spec.volumeAttributesClassName ?? "<unset>",
      since(pvc.metadata.creationTimestamp, now),
      spec.volumeMode ?? "<unset>",
    ];
  },
};

const DEFAULT_CLASS_ANNOTATIONS = ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];

export const storageClassPrinter: Printer = {
  columns: [
    nameColumn,
    col("Provisioner", "provisioner indicates the type of the provisioner."),
    col("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
    col("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
    col("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
    ageColumn,
  ],
  cells(sc, now) {
    const ann = sc.metadata.annotations ?? {};
    const isDefault = DEFAULT_CLASS_ANNOTATIONS.some((a) => ann[a] === "true");
    return [
      `${sc.metadata.name ?? ""}${isDefault ? " (default)" : ""}`,
      sc.provisioner ?? "",
      sc.reclaimPolicy ?? "Delete",
      sc.volumeBindingMode ?? "Immediate",
      // A bool cell, as Kubernetes' printer sends it (kubectl shows false/true).
      sc.allowVolumeExpansion === true,
      since(sc.metadata.creationTimestamp, now),
    ];
  },
};

/**
 * The volume the local-path provisioner makes for a claim, shaped as rancher's
 * local-path-provisioner makes it: `pvc-<claim uid>`, a hostPath directory
 * `<node storage root>/pvc-<uid>_<namespace>_<name>` created on first mount, pinned to the
 * node by required node affinity, pre-bound to the claim so the binder takes it at once.
 */
import { join } from "node:path/posix";
import type { KubeObject } from "../../model/object.ts";
import type { PersistentVolumeClaim } from "../../model/kinds.ts";
import { ANN_PROVISIONED_BY, LOCAL_PATH_PROVISIONER } from "../../volume-binding/annotations.ts";

/** local-path-provisioner records the node it chose on the volume too. */
export const ANN_LOCAL_PATH_SELECTED_NODE = "local.path.provisioner/selected-node";

const SUPPORTED_MODES = ["ReadWriteOnce", "ReadWriteOncePod"];

/** Why the provisioner cannot serve this claim, in local-path-provisioner's words; undefined when it can. */
export function unsupported(pvc: PersistentVolumeClaim): string | undefined {
  if (pvc.spec?.selector) return "claim Selector is not supported";
  if ((pvc.spec?.volumeMode ?? "Filesystem") !== "Filesystem") return `volumeMode ${pvc.spec?.volumeMode} is not supported`;
  for (const m of pvc.spec?.accessModes ?? []) {
    if (!SUPPORTED_MODES.includes(m)) return "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes";
  }
  return undefined;
}

export function volumeName(pvc: PersistentVolumeClaim): string {
  return `pvc-${pvc.metadata.uid}`;
}

/** The directory's name under the node's storage root; the agent's sweep recognises it by this shape. */
export function volumeDirName(pvc: PersistentVolumeClaim): string {
  return `${volumeName(pvc)}_${pvc.metadata.namespace}_${pvc.metadata.name}`;
}

export function localPathVolume(pvc: PersistentVolumeClaim, storageClass: KubeObject, nodeName: string, storageRoot: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: volumeName(pvc),
      annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER, [ANN_LOCAL_PATH_SELECTED_NODE]: nodeName },
    },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage },
      accessModes: [...(pvc.spec?.accessModes ?? [])],
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
      storageClassName: storageClass.metadata.name,
      volumeMode: "Filesystem",
      ...(storageClass.mountOptions?.length ? { mountOptions: [...storageClass.mountOptions] } : {}),
      hostPath: { path: join(storageRoot, volumeDirName(pvc)), type: "DirectoryOrCreate" },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [nodeName] }] }] } },
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: pvc.metadata.namespace,
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
        resourceVersion: pvc.metadata.resourceVersion,
      },
    },
  };
}

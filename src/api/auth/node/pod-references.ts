/**
 * What a pod makes its node read (the edges of kubernetes' node authorizer graph,
 * `plugin/pkg/auth/authorizer/node/graph_populator.go` + `podutil.VisitPodSecretNames` /
 * `VisitPodConfigmapNames`): Secrets and ConfigMaps from volumes, projected sources, env and
 * envFrom of every container kind, imagePullSecrets; claims from volumes (an ephemeral volume's
 * claim is `<pod>-<volume>`); and its service account.
 */
import type { KubeObject } from "../../../model/object.ts";

export interface PodReferences {
  secrets: Set<string>;
  configMaps: Set<string>;
  claims: Set<string>;
  serviceAccount: string;
}

export function podReferences(pod: KubeObject): PodReferences {
  const spec = pod.spec ?? {};
  const out: PodReferences = { secrets: new Set(), configMaps: new Set(), claims: new Set(), serviceAccount: spec.serviceAccountName || "default" };
  const add = (set: Set<string>, name: unknown) => {
    if (typeof name === "string" && name !== "") set.add(name);
  };
  for (const s of spec.imagePullSecrets ?? []) add(out.secrets, s?.name);
  for (const v of spec.volumes ?? []) {
    add(out.secrets, v?.secret?.secretName);
    add(out.configMaps, v?.configMap?.name);
    add(out.claims, v?.persistentVolumeClaim?.claimName);
    if (v?.ephemeral) add(out.claims, `${pod.metadata.name}-${v.name}`);
    for (const src of v?.projected?.sources ?? []) {
      add(out.secrets, src?.secret?.name);
      add(out.configMaps, src?.configMap?.name);
    }
    // In-tree volumes that carry a secret reference of their own.
    for (const ref of [v?.cephfs?.secretRef, v?.rbd?.secretRef, v?.iscsi?.secretRef, v?.flexVolume?.secretRef, v?.csi?.nodePublishSecretRef, v?.scaleIO?.secretRef, v?.storageos?.secretRef]) add(out.secrets, ref?.name);
    add(out.secrets, v?.azureFile?.secretName);
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c?.envFrom ?? []) {
      add(out.secrets, e?.secretRef?.name);
      add(out.configMaps, e?.configMapRef?.name);
    }
    for (const e of c?.env ?? []) {
      add(out.secrets, e?.valueFrom?.secretKeyRef?.name);
      add(out.configMaps, e?.valueFrom?.configMapKeyRef?.name);
    }
  }
  return out;
}

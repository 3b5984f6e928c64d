/**
 * DefaultStorageClass: a claim created without a class gets the cluster's default one (on
 * K3s, `local-path`). An explicit `storageClassName: ""` means "no class" and is kept; so is
 * the legacy beta annotation. With several defaults the newest wins, as in Kubernetes 1.28+.
 */
import type { KubeObject } from "../../model/object.ts";
import { ANN_BETA_STORAGE_CLASS } from "../../volume-binding/annotations.ts";
import { pickDefaultClass } from "../../volume-binding/claims.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

export function defaultStorageClass(listClasses: () => Promise<KubeObject[]>): AdmissionPlugin {
  return {
    name: "DefaultStorageClass",
    async admit(req: AdmissionRequest) {
      if (req.operation !== "CREATE" || req.def.kind !== "PersistentVolumeClaim" || req.subresource) return;
      const pvc = req.object;
      const spec = (pvc.spec ??= {});
      if ((spec.storageClassName !== undefined && spec.storageClassName !== null) || pvc.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] !== undefined) return;
      const chosen = pickDefaultClass(await listClasses());
      if (chosen) spec.storageClassName = chosen.metadata.name;
    },
  };
}

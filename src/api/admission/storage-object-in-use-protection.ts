/**
 * StorageObjectInUseProtection: every new claim carries `kubernetes.io/pvc-protection` and
 * every new volume `kubernetes.io/pv-protection`, so that deleting a claim a pod still uses,
 * or a volume still bound, only marks it; the protection controllers lift the finalizer once
 * nothing depends on the object any more.
 */
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from "../../volume-binding/annotations.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

const FINALIZER: Record<string, string> = { PersistentVolumeClaim: PVC_PROTECTION_FINALIZER, PersistentVolume: PV_PROTECTION_FINALIZER };

export const storageObjectInUseProtection: AdmissionPlugin = {
  name: "StorageObjectInUseProtection",
  admit(req: AdmissionRequest) {
    const finalizer = FINALIZER[req.def.kind];
    if (req.operation !== "CREATE" || !finalizer || req.def.group !== "" || req.subresource) return;
    const meta = req.object.metadata;
    if (!(meta.finalizers ?? []).includes(finalizer)) meta.finalizers = [...(meta.finalizers ?? []), finalizer];
  },
};

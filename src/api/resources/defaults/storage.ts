/** Defaults of storage.k8s.io/v1 kinds (pkg/apis/storage/v1/defaults.go). */
import type { KubeObject } from "../../../model/object.ts";

export function defaultStorageClass(obj: KubeObject): void {
  obj.reclaimPolicy ??= "Delete";
  obj.volumeBindingMode ??= "Immediate";
}

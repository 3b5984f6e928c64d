/** StorageClass validation, worded as ValidateStorageClass / ValidateStorageClassUpdate. */
import type { KubeObject } from "../../../model/object.ts";
import type { StatusCause } from "../../../model/errors.ts";
import { forbidden, immutable, notSupported, required } from "./causes.ts";

const RECLAIM_POLICIES = ["Delete", "Retain"];
const BINDING_MODES = ["Immediate", "WaitForFirstConsumer"];

export function validateStorageClass(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  if (typeof obj.provisioner !== "string" || obj.provisioner === "") out.push(required("provisioner"));
  if (!RECLAIM_POLICIES.includes(obj.reclaimPolicy)) out.push(notSupported("reclaimPolicy", obj.reclaimPolicy, RECLAIM_POLICIES));
  if (obj.volumeBindingMode === undefined) out.push(required("volumeBindingMode"));
  else if (!BINDING_MODES.includes(obj.volumeBindingMode)) out.push(notSupported("volumeBindingMode", obj.volumeBindingMode, BINDING_MODES));
  if (old) {
    // A class is a promise to the volumes provisioned from it: only metadata and expansion may change.
    if (!Bun.deepEquals(obj.parameters ?? {}, old.parameters ?? {})) out.push(forbidden("parameters", "updates to parameters are forbidden."));
    if (obj.provisioner !== old.provisioner) out.push(forbidden("provisioner", "updates to provisioner are forbidden."));
    if (obj.reclaimPolicy !== old.reclaimPolicy) out.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
    if (obj.volumeBindingMode !== old.volumeBindingMode) out.push(immutable("volumeBindingMode", obj.volumeBindingMode));
  }
  return out;
}

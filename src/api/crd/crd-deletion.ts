/**
 * Deleting a CustomResourceDefinition deletes its objects first: the delete marks it
 * Terminating and adds the cleanup finalizer (as the apiextensions-apiserver's CRD REST Delete
 * does), and crd-serving.ts deletes the objects, then drops the finalizer.
 */
import { nowTimestamp } from "../../model/object.ts";
import type { DeletionStrategy } from "../resources/types.ts";
import { CLEANUP_FINALIZER, type CrdCondition } from "./crd-types.ts";
import { setCondition } from "./crd-conditions.ts";

export const crdDeletion: DeletionStrategy = {
  // Until marked, the definition is held, so that the first delete marks it instead of removing it.
  held: (obj) => !obj.metadata.deletionTimestamp,
  markDeleting(obj) {
    const finalizers = obj.metadata.finalizers ?? [];
    if (!finalizers.includes(CLEANUP_FINALIZER)) obj.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
    const terminating: CrdCondition = {
      type: "Terminating", status: "True", reason: "InstanceDeletionPending",
      message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
    };
    obj.status = { ...obj.status, conditions: setCondition(obj.status?.conditions, terminating, nowTimestamp(new Date())) };
  },
};

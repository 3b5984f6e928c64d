import { MAX_BODY_BYTES, MAX_DEPTH } from "../request.ts";
import { errors } from "../../model/errors.ts";
import { nestedDeeperThan } from "./json-value.ts";
import { patchRejected } from "./patch-errors.ts";

/**
 * Bounds on what one patch may make of an object, so no request can turn a 3 MiB body into an
 * object of hundreds of megabytes or one nested deep enough to overflow the recursive walkers
 * after the patch (validation, encoding, tables).
 */

/**
 * evanphx/json-patch's AccumulatedCopySizeLimit as kube-apiserver sets it: `JSONPatchMaxCopyBytes`
 * defaults to 3 MiB, the same as the request body limit ("a request body might be encoded in
 * json, and is converted to proto when persisted in etcd, so we allow 2x as the largest size
 * increase the copy operations in a json patch may cause"). Without it each `copy` of the root
 * can double the document.
 */
export const MAX_COPY_BYTES = MAX_BODY_BYTES;

/** The error evanphx/json-patch returns, which the apiserver answers as 422 like any failed operation. */
export function copyLimitExceeded(accumulated: number): never {
  throw patchRejected(
    `Unable to complete the copy, the accumulated size increase of copy is ${accumulated}, exceeding the limit ${MAX_COPY_BYTES}`,
  );
}

/**
 * A patch body nested deeper than any request may be (the request decoder refuses those; this
 * also covers callers that hand the engines a value of their own). Keeps the engines' recursion,
 * which follows the patch, bounded.
 */
export function checkPatchDepth(patch: unknown): void {
  if (nestedDeeperThan(patch, MAX_DEPTH)) {
    throw errors.badRequest(`the body of the request is nested more than ${MAX_DEPTH} levels deep`);
  }
}

/**
 * The patched object must obey the nesting limit every written object obeys. A JSON patch can
 * nest deeper than its own body (add into a value it added, copy a subtree into itself); the
 * apiserver refuses a patched object it cannot decode as 422 Invalid on the field `patch`.
 */
export function checkPatchedDepth(patched: unknown): void {
  if (nestedDeeperThan(patched, MAX_DEPTH)) {
    throw patchRejected(`the patched object is nested more than ${MAX_DEPTH} levels deep`);
  }
}

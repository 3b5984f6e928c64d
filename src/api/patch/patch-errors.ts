import { StatusError } from "../../model/errors.ts";

/**
 * The Status errors the apiserver answers failed patches with
 * (apiserver `endpoints/handlers/patch.go`, `applyJSPatch` and `interpretStrategicMergePatchError`).
 */

/**
 * A patch that decoded but could not be applied (json-patch op failed, list of lists…).
 * The apiserver sends 422 Invalid with a fixed message and drops the library's reason; we keep
 * the same code, reason and message and add the reason as a `patch` cause, so that kubectl
 * prints "The request is invalid: patch: testing value /x failed: test failed" instead of
 * nothing useful.
 */
export function patchRejected(detail: string): StatusError {
  return new StatusError(422, "Invalid", "the server rejected our request due to an error in our request", {
    causes: [{ reason: "FieldValueInvalid", field: "patch", message: detail }],
  });
}

/** A patch body that is malformed (not the JSON shape the patch type requires). */
export function patchBadRequest(message: string): StatusError {
  return new StatusError(400, "BadRequest", message);
}

/**
 * Strategic-merge-patch failures apimachinery returns as plain Go errors (missing merge key,
 * unknown `$patch` value, order mismatch); the apiserver renders those as 500 with the bare
 * message, so we do too.
 */
export function patchFailed(message: string): StatusError {
  return new StatusError(500, "InternalError", message);
}

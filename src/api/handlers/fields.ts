/**
 * fieldValidation (Strict / Warn / Ignore) for decoded objects. Kubernetes decodes into typed
 * structs, so unknown fields never reach storage: Strict rejects them (400), Warn drops them
 * with a `Warning` header, Ignore drops them silently. We do the same against the OpenAPI
 * schema of the kind. Under Strict, duplicate keys of the JSON body (found by the caller with
 * duplicateFields, which needs the text) are refused in the same error, as Kubernetes' strict
 * decoder reports both kinds together.
 */
import type { KubeObject } from "../../model/object.ts";
import { errors } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { FieldValidation } from "../request.ts";
import { pruneUnknownFields, unknownFields } from "../openapi/index.ts";

/** sigs.k8s.io/json stops collecting strict errors at 100. */
const MAX_STRICT_ERRORS = 100;

export function checkFields(def: ResourceDef, obj: KubeObject, mode: FieldValidation, warnings: string[], duplicates: string[] = []): void {
  if (mode === "Strict") {
    const strict = [
      ...unknownFields(obj, def.group, def.version, def.kind, def.custom?.schema).map((f) => `unknown field "${f}"`),
      ...duplicates.map((f) => `duplicate field "${f}"`),
    ].slice(0, MAX_STRICT_ERRORS);
    if (strict.length) {
      throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${strict.join(", ")}`);
    }
    return;
  }
  const dropped = pruneUnknownFields(obj, def.group, def.version, def.kind, def.custom?.schema);
  if (mode === "Warn") for (const f of dropped) warnings.push(`unknown field "${f}"`);
}

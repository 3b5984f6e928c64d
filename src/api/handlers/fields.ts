/**
 * fieldValidation (Strict / Warn / Ignore) for decoded objects. Kubernetes decodes into typed
 * structs, so unknown fields never reach storage: Strict rejects them (400), Warn drops them
 * with a `Warning` header, Ignore drops them silently. We do the same against the OpenAPI
 * schema of the kind.
 */
import type { KubeObject } from "../../model/object.ts";
import { errors } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { FieldValidation } from "../request.ts";
import { pruneUnknownFields, unknownFields } from "../openapi/index.ts";

export function checkFields(def: ResourceDef, obj: KubeObject, mode: FieldValidation, warnings: string[]): void {
  if (mode === "Strict") {
    const unknown = unknownFields(obj, def.group, def.version, def.kind);
    if (unknown.length) {
      throw errors.badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`,
      );
    }
    return;
  }
  const dropped = pruneUnknownFields(obj, def.group, def.version, def.kind);
  if (mode === "Warn") for (const f of dropped) warnings.push(`unknown field "${f}"`);
}

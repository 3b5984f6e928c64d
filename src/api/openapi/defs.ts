/**
 * The generated definitions (src/generated/openapi-defs.json, see scripts/gen-openapi.ts),
 * embedded in the executable as text and parsed on first use, so a server that never validates
 * or serves OpenAPI pays only for the string.
 */
import defsText from "../../generated/openapi-defs.json" with { type: "text" };
import { gvkKey, type OpenApiDefs, type Schema } from "./defs-types.ts";

let parsed: OpenApiDefs | undefined;

export function openapiDefs(): OpenApiDefs {
  // The text import is typed by tsc as the parsed JSON; at run time Bun hands over the string.
  parsed ??= JSON.parse(defsText as unknown as string) as OpenApiDefs;
  return parsed;
}

/** Definition name of a kind, e.g. ("apps","v1","Deployment") → "io.k8s.api.apps.v1.Deployment". */
export function definitionFor(group: string, version: string, kind: string): string | undefined {
  return openapiDefs().kinds[gvkKey(group, version, kind)];
}

/** Follows a `$ref` (bare definition name) to its schema; other schemas are returned as they are. */
export function resolve(schema: Schema | undefined): Schema | undefined {
  if (!schema?.$ref) return schema;
  return openapiDefs().definitions[schema.$ref];
}

/** True for schemas whose content is not described (RawExtension, FieldsV1, unknown refs). */
export function isOpaque(resolved: Schema | undefined): boolean {
  if (!resolved) return true;
  // A custom resource's schema may keep unknown fields and still describe some: those are checked.
  if (resolved["x-kubernetes-preserve-unknown-fields"] && !resolved.properties && !resolved.additionalProperties && !resolved.items) return true;
  return resolved.type === "object" && !resolved.properties && !resolved.additionalProperties;
}

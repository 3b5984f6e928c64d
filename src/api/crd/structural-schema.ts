/**
 * Is a CustomResourceDefinition version's openAPIV3Schema structural, as apiextensions.k8s.io/v1
 * demands (KEP 1002 "structural schema")? Every described value has a type (except under
 * x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields), the root is an object,
 * `metadata` may only restrict name and generateName, arrays have items, properties and
 * additionalProperties exclude each other, patterns compile, defaults fit their schema, and the
 * features that would make validation costly or ambiguous (`$ref`, uniqueItems) are refused.
 * Paths are the apiserver's: `spec.versions[0].schema.openAPIV3Schema.properties[spec].type`.
 */
import { cloneObject } from "../../model/clone.ts";
import type { StatusCause } from "../../model/errors.ts";
import type { Schema } from "../openapi/defs-types.ts";
import { structuralErrors } from "../openapi/type-check.ts";

const TYPES = new Set(["object", "array", "string", "integer", "number", "boolean"]);
const LIST_TYPES = ["atomic", "set", "map"];
/** Deeper than any real schema nests; a hostile one is refused here rather than walked. */
const MAX_SCHEMA_DEPTH = 64;

const required = (field: string, detail: string): StatusCause => ({ reason: "FieldValueRequired", field, message: `Required value: ${detail}` });
const forbidden = (field: string, detail: string): StatusCause => ({ reason: "FieldValueForbidden", field, message: `Forbidden: ${detail}` });
const invalid = (field: string, value: unknown, detail: string): StatusCause => ({
  reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
});

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Causes that make `schema` (at `path`) not structural; [] when it is. */
export function structuralSchemaErrors(schema: Schema, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isMap(schema)) return [invalid(path, schema, "must be an object")];
  if (schema.type === undefined && !schema["x-kubernetes-preserve-unknown-fields"]) out.push(required(`${path}.type`, "must not be empty at the root"));
  else if (schema.type !== undefined && schema.type !== "object") out.push(invalid(`${path}.type`, schema.type, "must be object at the root"));
  const meta = (schema.properties as Record<string, Schema> | undefined)?.metadata;
  if (meta !== undefined) {
    const extra = Object.keys(meta).filter((k) => k !== "type" && k !== "properties" && k !== "description");
    const props = Object.keys(meta.properties ?? {}).filter((k) => k !== "name" && k !== "generateName");
    if (extra.length || props.length || (meta.type !== undefined && meta.type !== "object")) {
      out.push(forbidden(`${path}.properties[metadata]`, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
    }
  }
  node(schema, path, 0, out);
  return out;
}

function node(s: Schema, path: string, depth: number, out: StatusCause[]): void {
  if (depth > MAX_SCHEMA_DEPTH) {
    out.push(forbidden(path, `must not nest deeper than ${MAX_SCHEMA_DEPTH} levels`));
    return;
  }
  const intOrString = s["x-kubernetes-int-or-string"] === true;
  if (s.type !== undefined && !TYPES.has(s.type)) {
    out.push({ reason: "FieldValueNotSupported", field: `${path}.type`, message: `Unsupported value: ${JSON.stringify(s.type)}: supported values: "array", "boolean", "integer", "number", "object", "string"` });
  }
  if (intOrString && s.type !== undefined) out.push(invalid(`${path}.type`, s.type, "must be empty if x-kubernetes-int-or-string is true"));
  if (s.$ref !== undefined) out.push(forbidden(`${path}.$ref`, "$ref is forbidden"));
  if (s.uniqueItems === true) out.push(forbidden(`${path}.uniqueItems`, "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
  if (s.properties && s.additionalProperties) out.push(forbidden(`${path}.additionalProperties`, "additionalProperties and properties are mutual exclusive"));
  if (s.type === "array" && s.items === undefined) out.push(required(`${path}.items`, "must be specified"));
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, "u");
      // Kubernetes compiles patterns with Go's RE2, which has no lookaround or backreferences;
      // refusing them here keeps to its language (and off the worst of JavaScript's backtracking).
      if (/\(\?<?[=!]|\\[1-9]/.test(s.pattern)) throw new Error("lookaround and backreferences are not supported");
    } catch (e) {
      out.push(invalid(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${(e as Error).message}`));
    }
  }
  const listType = s["x-kubernetes-list-type"];
  if (listType !== undefined) {
    if (!LIST_TYPES.includes(listType)) {
      out.push({ reason: "FieldValueNotSupported", field: `${path}.x-kubernetes-list-type`, message: `Unsupported value: ${JSON.stringify(listType)}: supported values: "atomic", "map", "set"` });
    } else if (s.type !== "array") {
      out.push(invalid(`${path}.type`, s.type ?? "", "must be array if x-kubernetes-list-type is specified"));
    } else if (listType === "map" && !(s["x-kubernetes-list-map-keys"]?.length)) {
      out.push(required(`${path}.x-kubernetes-list-map-keys`, "must not be empty if x-kubernetes-list-type is map"));
    }
  }
  if (s.default !== undefined) {
    // Checked as a field named "default", so messages read "default in body should be …".
    const holder: Schema = { type: "object", properties: { default: s } };
    for (const c of structuralErrors({ default: cloneObject(s.default) }, holder)) {
      out.push({ ...c, field: `${path}.${c.field}` });
    }
  }
  for (const [key, prop] of Object.entries(s.properties ?? {})) child(prop, `${path}.properties[${key}]`, "must not be empty for specified object fields", depth, out);
  if (isMap(s.additionalProperties)) child(s.additionalProperties, `${path}.additionalProperties`, "must not be empty for specified object fields", depth, out);
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) out.push(forbidden(`${path}.items`, "items must be a schema object and not an array"));
    else child(s.items, `${path}.items`, "must not be empty for specified array items", depth, out);
  }
}

function child(s: Schema, path: string, emptyType: string, depth: number, out: StatusCause[]): void {
  if (!isMap(s)) {
    out.push(invalid(path, s, "must be a schema object"));
    return;
  }
  const untypedOk = s["x-kubernetes-int-or-string"] === true || s["x-kubernetes-preserve-unknown-fields"] === true;
  if (s.type === undefined && !untypedOk) out.push(required(`${path}.type`, emptyType));
  node(s, path, depth + 1, out);
}

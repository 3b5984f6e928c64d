/**
 * Unknown-field detection against the OpenAPI schema of a kind: the apiserver decodes into typed
 * structs, so a field the type lacks is either an error (fieldValidation=Strict, "strict decoding
 * error: unknown field \"spec.foo\"") or silently dropped (Warn / Ignore). Paths use the
 * apiserver's form: `spec.template.spec.containers[0].imagee`.
 */
import type { Schema } from "./defs-types.ts";
import { definitionFor, isOpaque, openapiDefs, resolve } from "./defs.ts";

type Visit = (parent: Record<string, unknown>, key: string, path: string) => void;

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function walk(value: unknown, schema: Schema | undefined, path: string, onUnknown: Visit): void {
  const s = resolve(schema);
  if (isOpaque(s) || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    if (s!.items) value.forEach((v, i) => walk(v, s!.items, `${path}[${i}]`, onUnknown));
    return;
  }
  const obj = value as Record<string, unknown>;
  if (s!.properties) {
    for (const key of Object.keys(obj)) {
      const prop = s!.properties[key];
      if (prop === undefined) onUnknown(obj, key, join(path, key));
      else walk(obj[key], prop, join(path, key), onUnknown);
    }
  } else if (s!.additionalProperties) {
    for (const key of Object.keys(obj)) walk(obj[key], s!.additionalProperties, join(path, key), onUnknown);
  }
}

function rootSchema(group: string, version: string, kind: string): Schema | undefined {
  const name = definitionFor(group, version, kind);
  return name ? openapiDefs().definitions[name] : undefined;
}

/**
 * Dotted paths of the fields of `obj` that the kind's schema does not define; [] for kinds
 * without a schema. Fields under opaque types (RawExtension, FieldsV1) are never flagged.
 *
 * @example unknownFields({ spec: { replicas: 1, replica: 2 } }, "apps", "v1", "Deployment") // ["spec.replica"]
 */
export function unknownFields(obj: unknown, group: string, version: string, kind: string): string[] {
  const root = rootSchema(group, version, kind);
  if (!root) return [];
  const found: string[] = [];
  walk(obj, root, "", (_parent, _key, path) => found.push(path));
  return found;
}

/** Removes the unknown fields from `obj` in place (what decoding into a typed struct does); returns their paths. */
export function pruneUnknownFields(obj: unknown, group: string, version: string, kind: string): string[] {
  const root = rootSchema(group, version, kind);
  if (!root) return [];
  const dropped: [Record<string, unknown>, string, string][] = [];
  walk(obj, root, "", (parent, key, path) => dropped.push([parent, key, path]));
  for (const [parent, key] of dropped) delete parent[key];
  return dropped.map((d) => d[2]);
}

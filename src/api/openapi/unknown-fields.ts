/**
 * Unknown-field detection against the OpenAPI schema of a kind: the apiserver decodes into typed
 * structs, so a field the type lacks is either an error (fieldValidation=Strict, "strict decoding
 * error: unknown field \"spec.foo\"") or silently dropped (Warn / Ignore). Paths use the
 * apiserver's form: `spec.template.spec.containers[0].imagee`.
 */
import { cloneObject } from "../../model/clone.ts";
import type { Schema } from "./defs-types.ts";
import { definitionFor, isOpaque, openapiDefs, resolve } from "./defs.ts";

type Visit = (parent: Record<string, unknown>, key: string, path: string) => void;

/** Called on every object the schema describes before its fields are walked (defaulting fills them in). */
type Enter = (obj: Record<string, unknown>, schema: Schema) => void;

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function walk(value: unknown, schema: Schema | undefined, path: string, onUnknown: Visit, enter?: Enter): void {
  const s = resolve(schema);
  if (isOpaque(s) || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    if (s!.items) value.forEach((v, i) => walk(v, s!.items, `${path}[${i}]`, onUnknown, enter));
    return;
  }
  const obj = value as Record<string, unknown>;
  enter?.(obj, s!);
  if (s!.properties) {
    // A custom resource's schema may describe some fields and keep the others.
    const keeps = s!["x-kubernetes-preserve-unknown-fields"] === true;
    for (const key of Object.keys(obj)) {
      const prop = s!.properties[key];
      if (prop === undefined) {
        if (!keeps) onUnknown(obj, key, join(path, key));
      } else walk(obj[key], prop, join(path, key), onUnknown, enter);
    }
  } else if (s!.additionalProperties) {
    for (const key of Object.keys(obj)) walk(obj[key], s!.additionalProperties, join(path, key), onUnknown, enter);
  }
}

/** A kind's schema: the one it was served with (a custom resource's), else its generated definition. */
export function rootSchema(group: string, version: string, kind: string, own?: Schema): Schema | undefined {
  if (own) return own;
  const name = definitionFor(group, version, kind);
  return name ? openapiDefs().definitions[name] : undefined;
}

/**
 * Dotted paths of the fields of `obj` that the kind's schema does not define; [] for kinds
 * without a schema. Fields under opaque types (RawExtension, FieldsV1) are never flagged.
 *
 * @example unknownFields({ spec: { replicas: 1, replica: 2 } }, "apps", "v1", "Deployment") // ["spec.replica"]
 */
export function unknownFields(obj: unknown, group: string, version: string, kind: string, own?: Schema): string[] {
  const root = rootSchema(group, version, kind, own);
  if (!root) return [];
  const found: string[] = [];
  walk(obj, root, "", (_parent, _key, path) => found.push(path));
  return found;
}

/** Removes the unknown fields from `obj` in place (what decoding into a typed struct does); returns their paths. */
export function pruneUnknownFields(obj: unknown, group: string, version: string, kind: string, own?: Schema): string[] {
  const root = rootSchema(group, version, kind, own);
  if (!root) return [];
  const dropped: [Record<string, unknown>, string, string][] = [];
  walk(obj, root, "", (parent, key, path) => dropped.push([parent, key, path]));
  for (const [parent, key] of dropped) delete parent[key];
  return dropped.map((d) => d[2]);
}

/**
 * A custom resource's structural defaulting, as the apiextensions-apiserver does on every decode
 * (request and storage): a null the schema does not make `nullable` is dropped, or replaced by
 * the field's default; an absent field with a `default` gets a copy of it; then the same one
 * level down, so defaults inside a defaulted object apply too.
 */
export function applySchemaDefaults(obj: unknown, root: Schema): void {
  walk(obj, root, "", () => {}, (o, s) => {
    const props = s.properties;
    const each = (key: string, prop: Schema | undefined) => {
      const p = resolve(prop);
      if (!p) return;
      if (o[key] === null && !p.nullable) {
        if (p.default !== undefined) o[key] = cloneObject(p.default);
        else delete o[key];
      } else if (o[key] === undefined && p.default !== undefined) o[key] = cloneObject(p.default);
    };
    if (props) for (const key of Object.keys(props)) each(key, props[key]);
    if (s.additionalProperties) for (const key of Object.keys(o)) if (!props?.[key]) each(key, s.additionalProperties);
  });
}

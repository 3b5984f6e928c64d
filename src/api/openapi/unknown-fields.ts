/**
 * Fields an object carries that its kind's schema does not declare — what Kubernetes'
 * strict decoding reports (`unknown field "spec.foo"`) and its lenient decoding drops.
 */
import { definitionOf, definitions, isOpaque, resolve, type Schema } from "./definitions.ts";

type Visit = (path: string, parent: Record<string, unknown>, key: string) => void;

function walk(value: unknown, schema: Schema | undefined, path: string, visit: Visit): void {
  const s = resolve(schema);
  if (!s || value === null || typeof value !== "object" || isOpaque(s)) return;
  if (Array.isArray(value)) {
    if (s.type === "array" && s.items) value.forEach((v, i) => walk(v, s.items, `${path}[${i}]`, visit));
    return;
  }
  const obj = value as Record<string, unknown>;
  if (s.additionalProperties && !s.properties) {
    for (const [k, v] of Object.entries(obj)) walk(v, s.additionalProperties, `${path}[${k}]`, visit);
    return;
  }
  if (!s.properties) return;
  for (const [k, v] of Object.entries(obj)) {
    const child = s.properties[k];
    const p = path ? `${path}.${k}` : k;
    if (!child) visit(p, obj, k);
    else walk(v, child, p, visit);
  }
}

function rootSchema(group: string, version: string, kind: string): Schema | undefined {
  const name = definitionOf(group, version, kind);
  return name ? definitions[name] : undefined;
}

export function unknownFields(obj: unknown, group: string, version: string, kind: string): string[] {
  const out: string[] = [];
  walk(obj, rootSchema(group, version, kind), "", (p) => out.push(p));
  return out;
}

export function pruneUnknownFields(obj: unknown, group: string, version: string, kind: string): string[] {
  const found: { path: string; parent: Record<string, unknown>; key: string }[] = [];
  walk(obj, rootSchema(group, version, kind), "", (path, parent, key) => found.push({ path, parent, key }));
  for (const f of found) delete f.parent[f.key];
  return found.map((f) => f.path);
}

/**
 * kubectl explain's plaintext output (kubectl 1.32, OpenAPI v3) from one group-version
 * document: the GROUP/KIND/VERSION head, then either the resource's or the named field's
 * DESCRIPTION and FIELDS (with `--recursive`, the field tree without descriptions).
 *
 * It follows the walk kubectl's template makes — through `$ref`, array items, map values and
 * allOf alternatives, stopping at a `$ref` already on the path — so that the same document
 * prints the same bytes. What it cannot print is an `error`; `out` is what kubectl has
 * already written by then (the head), as it streams its template.
 *
 * @example
 *   renderExplain(doc, { group: "", version: "v1", resource: "pods" }, ["spec"], false)
 */
import { description, enumLine, indent, mapValues, resolveRef, truthy, typeGuess, type Doc, type Schema } from "./schema-walk.ts";
import { wordWrap } from "./word-wrap.ts";

export interface Gvr {
  group: string;
  version: string;
  resource: string;
}

export interface Rendered {
  out: string;
  error?: string;
}

type Gvk = Record<string, unknown>;
type History = ReadonlySet<string>;

/** The GVR as Go's `schema.GroupVersionResource` prints it. */
export function gvrString(g: Gvr): string {
  return `${g.group}/${g.version}, Resource=${g.resource}`;
}

export function renderExplain(doc: Doc, gvr: Gvr, fieldPath: string[], recursive: boolean): Rendered {
  const gvk = findGvk(doc, gvr);
  if (!gvk) return { out: "", error: `GVR (${gvrString(gvr)}) not found in OpenAPI schema` };
  const head = `${truthy(gvk.group) ? `GROUP:      ${gvk.group}\n` : ""}KIND:       ${gvk.kind}\nVERSION:    ${gvk.version}\n\n`;
  const schema = findSchema(doc, gvk);
  if (!schema) return { out: head, error: `GVK ${goMap(gvk)} not found in OpenAPI schema` };
  const body = output(doc, schema, fieldPath, new Set(), recursive);
  if (!body) return { out: head, error: `field "${fieldPath.at(-1)}" does not exist` };
  return { out: `${head}${body}\n` };
}

/** The kind served at the resource's paths, as their operations declare it. */
function findGvk(doc: Doc, gvr: Gvr): Gvk | undefined {
  const prefix = gvr.group ? `/apis/${gvr.group}` : "/api";
  const paths = [
    `${prefix}/${gvr.version}/${gvr.resource}`,
    `${prefix}/${gvr.version}/${gvr.resource}/{name}`,
    `${prefix}/${gvr.version}/namespaces/{namespace}/${gvr.resource}`,
    `${prefix}/${gvr.version}/namespaces/{namespace}/${gvr.resource}/{name}`,
  ];
  let found: Gvk | undefined;
  for (const p of paths) {
    const item = doc.paths?.[p];
    if (!truthy(item)) continue;
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const gvk = item[method]?.["x-kubernetes-group-version-kind"];
      if (truthy(gvk)) {
        found = gvk;
        break;
      }
    }
  }
  return found;
}

/** The first schema (by name, as Go ranges over a map) that declares this kind. */
function findSchema(doc: Doc, gvk: Gvk): Schema | undefined {
  const schemas: Record<string, Schema> = doc.components?.schemas ?? {};
  for (const name of Object.keys(schemas).sort()) {
    const kinds = schemas[name]?.["x-kubernetes-group-version-kind"];
    if (Array.isArray(kinds) && kinds.some((k) => sameMap(k, gvk))) return schemas[name];
  }
  return undefined;
}

function sameMap(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** `map[group:apps kind:Deployment version:v1]`, Go's %v of a map. */
function goMap(m: Gvk): string {
  return `map[${Object.keys(m).sort().map((k) => `${k}:${m[k]}`).join(" ")}]`;
}

/** Follows `path` down from `schema`; at its end, the description and fields. "" when the path leads nowhere. */
function output(doc: Doc, schema: Schema, path: string[], history: History, recursive: boolean): string {
  const ref = typeof schema.$ref === "string" ? schema.$ref : "";
  const next = new Set(history).add(ref);
  const s = resolveRef(ref, doc) ?? schema;
  if (path.length === 0) {
    let out = `DESCRIPTION:\n${indent(4, wordWrap(description(s, doc) || "<empty>", 76))}\n`;
    const docs = externalDocs(s, 0);
    if (docs) out += `\n${docs}`;
    const fields = fieldList(doc, s, 1, new Set(), recursive);
    if (fields) out += `FIELDS:\n${fields}`;
    return out;
  }
  if (ref && history.has(ref)) return "";
  const [name, ...rest] = path as [string, ...string[]];
  const props = s.properties;
  if (truthy(props) && truthy(props[name])) {
    const sub: Schema = props[name];
    const field = rest.length === 0 ? `FIELD: ${name} <${typeGuess(sub, doc)}>\n${enumLine(sub, { long: true })}\n\n` : "";
    return field + output(doc, sub, rest, new Set(), recursive);
  }
  if (truthy(s.items)) return output(doc, s.items, path, next, recursive);
  const values = mapValues(s);
  if (values) return output(doc, values, path, next, recursive);
  for (const alt of Array.isArray(s.allOf) ? s.allOf : []) {
    const out = output(doc, alt, path, next, recursive);
    if (out) return out;
  }
  return "";
}

/** The fields of a schema, sorted; with `recursive`, each followed by its own fields one level in. */
function fieldList(doc: Doc, schema: Schema, level: number, history: History, recursive: boolean): string {
  const ref = typeof schema.$ref === "string" ? schema.$ref : "";
  if (ref && history.has(ref)) return ""; // a cycle (JSONSchemaProps in itself)
  const next = new Set(history).add(ref);
  const s = resolveRef(ref, doc) ?? schema;
  let out = "";
  const props: Record<string, Schema> = truthy(s.properties) ? s.properties : {};
  for (const name of Object.keys(props).sort()) {
    out += fieldDetail(doc, s, name, level, recursive);
    if (recursive) out += fieldList(doc, props[name]!, level + 1, next, recursive);
  }
  for (const alt of Array.isArray(s.allOf) ? s.allOf : []) out += fieldList(doc, alt, level, next, recursive);
  if (truthy(s.items)) out += fieldList(doc, s.items, level, next, recursive);
  const values = mapValues(s);
  if (values) out += fieldList(doc, values, level, next, recursive);
  return out;
}

function fieldDetail(doc: Doc, parent: Schema, name: string, level: number, short: boolean): string {
  const pad = level * 2;
  const field: Schema = parent.properties[name] ?? {};
  const required = Array.isArray(parent.required) && parent.required.includes(name) ? " -required-" : "";
  let out = `${indent(pad, name)}\t<${typeGuess(field, doc)}>${required}${enumLine(field, { long: false, indent: pad })}\n`;
  if (short) return out;
  out += `${indent(pad + 2, wordWrap(truthy(field.description) ? field.description : "<no description>", 78 - pad))}\n`;
  const docs = externalDocs(field, pad);
  if (docs) out += `\n${docs}`;
  return `${out}\n`;
}

/** An `EXTERNAL DOCS:` block (description and URL) when the schema links out. */
function externalDocs(schema: Schema, pad: number): string {
  const d = schema.externalDocs;
  if (!truthy(d)) return "";
  let out = `${indent(pad + (pad ? 2 : 0), "EXTERNAL DOCS:")}\n`;
  if (truthy(d.description)) out += `${indent(pad + 4, wordWrap(d.description, 76 - pad))}\n`;
  if (truthy(d.url)) out += `${indent(pad + 4, `URL: ${d.url}`)}\n`;
  return out;
}

/**
 * Generates src/generated/openapi-defs.json: the OpenAPI definitions of every kind k3rs serves,
 * and of every type reachable from them, from the models @kubernetes/client-node ships
 * (`dist/gen/models/*.js` for field types, `*.d.ts` for descriptions and required fields).
 * Fields the models leave undescribed take Kubernetes' text from field-docs.json (k8s.io/api
 * swagger docs of the served types, a fact table). Build time only: `bun scripts/gen-openapi.ts`
 * (build.ts and `npm test` run it first).
 *
 * A model class name carries the version but not the group (V1Deployment is apps, V1Job is
 * batch, V1PodSpec is core). The group is resolved from the generated API classes: every model
 * an API class (AppsV1Api → /apis/apps/v1) sends or receives is a root of that group, and a
 * type belongs to the group of the first root that reaches it, core first. Classes whose name
 * carries a group (CoreV1Event, AuthenticationV1TokenRequest), meta/v1 types and subresource
 * kinds from another group (Scale, Eviction) are pinned by name instead. This needs no table
 * of nested types and stays right when client-node adds types.
 */
import { existsSync, readFileSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import {
  GROUP_OVERRIDES, INT_OR_STRING, META_PREFIX, META_TYPES, MICRO_TIME, QUANTITY, QUANTITY_FIELDS, TIME,
  definitionName, parseClassName,
} from "../src/api/openapi/model-names.ts";
import { LIST_META } from "../src/api/openapi/list-meta.ts";
import FIELD_DOCS from "../src/api/openapi/field-docs.json" with { type: "json" };
import { gvkKey, type OpenApiDefs, type Schema } from "../src/api/openapi/defs-types.ts";
import { METRICS_DEFINITIONS, METRICS_KINDS } from "../src/api/openapi/metrics-defs.ts";

const root = join(import.meta.dir, "..");
const genDir = join(root, "node_modules/@kubernetes/client-node/dist/gen");
const modelsDir = join(genDir, "models");
const apisDir = join(genDir, "apis");
const outFile = join(root, "src/generated/openapi-defs.json");
const META = "meta";

/**
 * Last resort for fields neither the models nor field-docs.json describe (kinds served later).
 * client-node drops the description of every field typed by a model, and gives IntOrString
 * fields the IntOrString type's text; field-docs.json holds Kubernetes' own text for those.
 */
const STANDARD_FIELDS: Record<string, string> = {
  metadata: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  spec: "Specification of the desired behavior. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
  status: "Most recently observed status. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
};

const fieldDocs: Record<string, Record<string, string>> = FIELD_DOCS;
const fieldDoc = (definition: string, field: string): string | undefined => fieldDocs[definition]?.[field];

interface Attr { name: string; baseName: string; type: string; format: string }
interface ClassDoc { description?: string; fields: Map<string, { description?: string; required: boolean }> }

const attrCache = new Map<string, Attr[] | undefined>();
/** The static attributeTypeMap of a model, read from its source text (no module execution). */
function attributes(cls: string): Attr[] | undefined {
  if (attrCache.has(cls)) return attrCache.get(cls);
  const file = join(modelsDir, `${cls}.js`);
  let attrs: Attr[] | undefined;
  if (existsSync(file)) {
    const m = new RegExp(`${cls}\\.attributeTypeMap = (\\[[\\s\\S]*?\\n\\]);`).exec(readFileSync(file, "utf8"));
    attrs = m ? (JSON.parse(m[1]!) as Attr[]) : undefined;
  }
  attrCache.set(cls, attrs);
  return attrs;
}

/** The JSDoc text keeps the generator's string escapes (`image\\'s`, `\\"Always\\"`); one pass undoes them. */
function commentText(block: string): string {
  const text = block.split("\n").map((l) => l.replace(/^\s*\*\s?/, "").trimEnd()).join("\n").trim();
  return text.replace(/\\(.)/g, "$1");
}

const docCache = new Map<string, ClassDoc>();
/** Descriptions and required-ness from the d.ts (`'field'?:` is optional). */
function classDoc(cls: string): ClassDoc {
  const cached = docCache.get(cls);
  if (cached) return cached;
  const text = readFileSync(join(modelsDir, `${cls}.d.ts`), "utf8");
  const doc: ClassDoc = { fields: new Map() };
  const cm = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export declare class/.exec(text);
  if (cm) doc.description = commentText(cm[1]!);
  const re = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?'([^']+)'(\??):/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    doc.fields.set(m[2]!, { description: m[1] ? commentText(m[1]) : undefined, required: m[3] !== "?" });
  }
  docCache.set(cls, doc);
  return doc;
}

/** Model classes named in a type string: "Array<V1Container>", "{ [key: string]: V1Counter; }". */
function classesIn(type: string): string[] {
  return (type.match(/\b(?:[A-Z][a-z]+)?V\d\w*\b/g) ?? []).filter((c) => parseClassName(c) && attributes(c));
}

interface ApiGroup { group: string; version: string; roots: string[] }

function scanApis(): ApiGroup[] {
  const out: ApiGroup[] = [];
  for (const f of readdirSync(apisDir)) {
    if (!/^(?:[A-Z][a-z]+)+V\d\w*Api\.js$/.test(f)) continue; // RbacAuthorizationV1Api too
    const text = readFileSync(join(apisDir, f), "utf8");
    const p = /localVarPath = '\/(?:api\/(v1)|apis\/([^/]+)\/([^/']+))/.exec(text);
    if (!p) continue;
    const roots = new Set<string>();
    for (const m of text.matchAll(/ObjectSerializer\.(?:de)?serialize\([^;]*?"([A-Za-z0-9]+)", ""\)/g)) {
      if (parseClassName(m[1]!)) roots.add(m[1]!);
    }
    out.push({ group: p[1] ? "" : p[2]!, version: p[1] ?? p[3]!, roots: [...roots].sort() });
  }
  // Core first, then stable versions, so shared types land where Kubernetes defines them.
  const rank = (a: ApiGroup) => (a.group === "" ? 0 : /alpha|beta/.test(a.version) ? 2 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || a.group.localeCompare(b.group) || a.version.localeCompare(b.version));
}

function resolveGroups(apis: ApiGroup[]): { groupOf: (cls: string) => string | undefined } {
  const byPrefix = new Map<string, string>();
  for (const a of apis) {
    const label = a.group === "" ? "core" : a.group.split(".")[0]!;
    byPrefix.set(label[0]!.toUpperCase() + label.slice(1), a.group);
  }
  const pinned = (cls: string): string | undefined => {
    const p = parseClassName(cls)!;
    if (GROUP_OVERRIDES[cls] !== undefined) return GROUP_OVERRIDES[cls];
    if (p.prefix) return byPrefix.get(p.prefix);
    if (p.version === "v1" && META_TYPES.has(p.name)) return META;
    return undefined;
  };
  const group = new Map<string, string>();
  for (const api of apis) {
    const queue: [string, string][] = api.roots.map((r) => [r, pinned(r) ?? api.group]);
    while (queue.length) {
      const [cls, g] = queue.shift()!;
      if (group.has(cls)) continue;
      group.set(cls, g);
      for (const a of attributes(cls) ?? []) {
        for (const c of classesIn(a.type)) if (!group.has(c)) queue.push([c, pinned(c) ?? g]);
      }
    }
  }
  return { groupOf: (cls) => group.get(cls) ?? (parseClassName(cls) ? pinned(cls) : undefined) };
}

export type Gvk = [group: string, version: string, kind: string];

/**
 * The definitions of `served` kinds and what they reach. metrics.k8s.io, which client-node has
 * no models for, takes its definitions from src/api/openapi/metrics-defs.ts; any other kind
 * without a model is left out and named in `missing`: its documents then carry paths without a
 * schema, and the server checks no fields for it.
 */
export function generateDefs(served: readonly Gvk[]): { defs: OpenApiDefs; missing: string[] } {
  const apis = scanApis();
  const { groupOf } = resolveGroups(apis);
  const apiRoots = new Set(apis.flatMap((a) => a.roots));
  const nameOf = (cls: string): string => {
    const g = groupOf(cls);
    if (g === undefined) throw new Error(`no group resolved for model ${cls}`);
    const n = g === META ? `${META_PREFIX}.${parseClassName(cls)!.name}` : definitionName(cls, g);
    if (!n) throw new Error(`cannot name model ${cls}`);
    return n;
  };

  const definitions: Record<string, Schema> = {};
  const kinds: Record<string, string> = {};
  const pending: string[] = [];
  const seen = new Set<string>();
  const want = (cls: string) => {
    if (!seen.has(cls)) { seen.add(cls); pending.push(cls); }
  };
  const ref = (name: string): Schema => ({ $ref: name });

  function typeSchema(type: string, format: string, quantity: boolean): Schema {
    const arr = /^Array<(.+)>$/.exec(type);
    // An array's format (int32, int64) belongs to its items.
    if (arr) return { type: "array", items: typeSchema(arr[1]!, format, quantity) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return { type: "object", additionalProperties: typeSchema(map[1]!, format, quantity) };
    switch (type) {
      case "string":
        if (quantity) return ref(QUANTITY);
        return format === "byte" ? { type: "string", format: "byte" } : { type: "string" };
      case "boolean": return { type: "boolean" };
      case "number":
        return format === "int32" || format === "int64" ? { type: "integer", format } : { type: "number", format: "double" };
      case "Date": return ref(format === "date-time-micro" ? MICRO_TIME : TIME);
      case "IntOrString": return ref(INT_OR_STRING);
      case "V1MicroTime": return ref(MICRO_TIME); // an alias the models name but do not define
      case "any": return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    }
    if (parseClassName(type) && attributes(type)) { want(type); return ref(nameOf(type)); }
    throw new Error(`unknown model type ${type}`);
  }

  function classSchema(cls: string): Schema {
    const attrs = attributes(cls);
    if (!attrs) throw new Error(`model ${cls} has no attributeTypeMap`);
    const doc = classDoc(cls);
    const s: Schema = { type: "object" };
    if (doc.description) s.description = doc.description;
    const required: string[] = [];
    const props: Record<string, Schema> = {};
    for (const a of attrs) {
      const key = `${cls}.${a.baseName}`;
      const p = typeSchema(a.type, a.format, QUANTITY_FIELDS.has(key));
      const f = doc.fields.get(a.name);
      // Never the referenced type's description: explain prints that one too, beside the field's.
      const own = a.type === "IntOrString" && f?.description?.startsWith("IntOrString is") ? undefined : f?.description;
      const description = fieldDoc(nameOf(cls), a.baseName) ?? own ?? STANDARD_FIELDS[a.baseName];
      const prop: Schema = description ? { description, ...p } : p;
      const lm = LIST_META.get(key);
      if (lm?.strategy) prop["x-kubernetes-patch-strategy"] = lm.strategy;
      if (lm?.mergeKey) prop["x-kubernetes-patch-merge-key"] = lm.mergeKey;
      if (lm?.listType) prop["x-kubernetes-list-type"] = lm.listType;
      if (lm?.mapKeys) prop["x-kubernetes-list-map-keys"] = lm.mapKeys;
      if (lm?.mapType) prop["x-kubernetes-map-type"] = lm.mapType;
      props[a.baseName] = prop;
      if (f?.required) required.push(a.baseName);
    }
    if (required.length) s.required = required;
    s.properties = props;
    const p = parseClassName(cls)!;
    if (props.apiVersion && props.kind && (apiRoots.has(cls) || groupOf(cls) === META)) {
      const g = groupOf(cls)!;
      const gvk = { group: g === META ? "" : g, kind: p.name, version: p.version };
      s["x-kubernetes-group-version-kind"] = [gvk];
      kinds[gvkKey(gvk.group, gvk.version, gvk.kind)] = nameOf(cls);
    }
    return s;
  }

  /** The class of a served kind: V1Deployment, or CoreV1Event where the name is prefixed. */
  const classOf = (group: string, version: string, kind: string): string | undefined => {
    const v = version[0]!.toUpperCase() + version.slice(1);
    const label = group === "" ? "core" : group.split(".")[0]!;
    for (const c of [`${label[0]!.toUpperCase()}${label.slice(1)}${v}${kind}`, `${v}${kind}`]) {
      if (!attributes(c)) continue;
      const g = groupOf(c);
      if (g === group || (g === META && group === "")) return c;
    }
    return undefined;
  };

  // Subresource kinds, then the meta kinds every group version's documents refer to.
  const all: Gvk[] = [...served, ["autoscaling", "v1", "Scale"], ["policy", "v1", "Eviction"], ["", "v1", "Binding"]];
  const missing: string[] = [];
  for (const k of ["Status", "DeleteOptions", "WatchEvent", "APIResourceList", "APIGroup", "APIGroupList", "APIVersions"]) want(`V1${k}`);
  for (const [g, v, k] of all) {
    const cls = classOf(g, v, k);
    const byHand = METRICS_KINDS[gvkKey(g, v, k)];
    if (!cls && byHand) {
      for (const kind of [k, `${k}List`]) if (METRICS_KINDS[gvkKey(g, v, kind)]) kinds[gvkKey(g, v, kind)] = METRICS_KINDS[gvkKey(g, v, kind)]!;
      continue;
    }
    if (!cls) {
      missing.push(`${g || "core"}/${v} ${k}`);
      continue;
    }
    want(cls);
    const list = classOf(g, v, `${k}List`);
    if (list) want(list);
  }
  while (pending.length) {
    const cls = pending.shift()!;
    definitions[nameOf(cls)] = classSchema(cls);
  }

  // A fact-table key that names no field of a generated model is a typo or a renamed field.
  for (const key of [...LIST_META.keys(), ...QUANTITY_FIELDS]) {
    const [cls, field] = key.split(".") as [string, string];
    if (seen.has(cls) && !attributes(cls)!.some((a) => a.baseName === field)) throw new Error(`model-names/list-meta: ${key} is no field of the model`);
  }

  if (Object.keys(kinds).some((k) => METRICS_KINDS[k])) Object.assign(definitions, METRICS_DEFINITIONS);
  // Kubernetes' own scalar definitions, which the models flatten to plain types.
  definitions[INT_OR_STRING] = {
    type: "string", format: "int-or-string", "x-kubernetes-int-or-string": true,
    description: "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
  };
  definitions[QUANTITY] = {
    type: "string", "x-kubernetes-int-or-string": true,
    description: "Quantity is a fixed-point representation of a number, written as a number with an optional suffix: binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (m, \"\", k, M, G, T, P, E) or a decimal exponent (e3). Examples: 100m, 128Mi, 1.5, 2e3.",
  };
  definitions[TIME] = {
    type: "string", format: "date-time",
    description: "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.",
  };
  definitions[MICRO_TIME] = { type: "string", format: "date-time", description: "MicroTime is version of Time with microsecond level precision." };

  const sorted: Record<string, Schema> = {};
  for (const k of Object.keys(definitions).sort()) sorted[k] = definitions[k]!;
  const sortedKinds: Record<string, string> = {};
  for (const k of Object.keys(kinds).sort()) sortedKinds[k] = kinds[k]!;
  const hash = createHash("sha512").update(JSON.stringify([sortedKinds, sorted])).digest("hex").toUpperCase();
  return { defs: { hash, kinds: sortedKinds, definitions: sorted }, missing };
}

async function main() {
  // The served kinds' modules reach code that embeds this very file (the CRD schema checks use
  // the OpenAPI type checker): a clean checkout needs a placeholder before they can load.
  if (!existsSync(outFile)) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, JSON.stringify({ hash: "", kinds: {}, definitions: {} }));
  }
  const { builtinResources } = await import("../src/api/resources/builtin.ts");
  const { defs, missing } = generateDefs(builtinResources.map((r): Gvk => [r.group, r.version, r.kind]));
  for (const m of missing) console.warn(`openapi: no @kubernetes/client-node model for served kind ${m}; served without a schema`);
  const text = JSON.stringify(defs);
  mkdirSync(dirname(outFile), { recursive: true });
  // Unchanged output keeps its mtime, so bun's and tsc's caches stay warm.
  if (!existsSync(outFile) || readFileSync(outFile, "utf8") !== text) writeFileSync(outFile, text);
  console.log(`openapi: ${Object.keys(defs.definitions).length} definitions, ${Object.keys(defs.kinds).length} kinds, ${(text.length / 1024).toFixed(0)} KiB → src/generated/openapi-defs.json`);
}

if (import.meta.main) await main();

/**
 * Generates `src/generated/openapi-defs.json`: the schemas of the kinds k3rs serves, in
 * Kubernetes' definition names, with descriptions — derived at build time from the models
 * that the npm package @kubernetes/client-node ships (its .js attributeTypeMap gives field
 * names and types; its .d.ts JSDoc gives descriptions and, by `?`, which fields are required).
 * Only what is reachable from the served kinds is kept, to keep the executable small.
 *
 * Run: bun scripts/gen-openapi.ts (build.ts runs it first; the output is not committed).
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { builtinResources } from "../src/api/resources/builtin.ts";

const root = join(import.meta.dir, "..");
const models = join(root, "node_modules/@kubernetes/client-node/dist/gen/models");
const out = join(root, "src/generated/openapi-defs.json");

/** Group package names as the OpenAPI definitions spell them (io.k8s.api.<pkg>.<version>.<Kind>). */
const PACKAGE_OF_GROUP: Record<string, string> = {
  "": "core",
  apps: "apps",
  batch: "batch",
  "coordination.k8s.io": "coordination",
  "networking.k8s.io": "networking",
  autoscaling: "autoscaling",
  policy: "policy",
};

/** apimachinery's meta/v1 types (their definitions live under io.k8s.apimachinery.pkg.apis.meta.v1). */
const META_TYPES = new Set([
  "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "ManagedFieldsEntry", "OwnerReference",
  "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions", "WatchEvent", "Condition", "MicroTime", "Time",
  "APIResourceList", "APIResource", "FieldsV1",
]);

/** Types used by several groups that Kubernetes defines in core. */
const CORE_TYPES = new Set(["PodTemplateSpec", "ObjectReference", "LocalObjectReference", "TypedLocalObjectReference", "PersistentVolumeClaim", "PersistentVolumeClaimSpec", "PersistentVolumeClaimStatus", "PersistentVolumeClaimCondition", "TypedObjectReference", "VolumeResourceRequirements", "ModifyVolumeStatus", "ResourceRequirements", "ResourceClaim", "TopologySelectorTerm", "NodeSelector"]);

/** Fields whose string maps hold resource quantities (int-or-string in the schema). */
const QUANTITY_MAPS = new Set(["limits", "requests", "capacity", "allocatable", "hard", "used", "overhead", "allocatedResources"]);
const QUANTITY_FIELDS = new Set(["sizeLimit", "storage"]);

interface Attr {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface Def {
  description?: string;
  required?: string[];
  properties?: Record<string, any>;
  type?: string;
  [k: string]: unknown;
}

function parseDts(cls: string): { description?: string; fields: Map<string, { description?: string; optional: boolean }> } {
  const text = readFileSync(join(models, `${cls}.d.ts`), "utf8");
  const fields = new Map<string, { description?: string; optional: boolean }>();
  const clsDoc = text.match(/\/\*\*\s*\n((?:\s*\*.*\n)*?)\s*\*\/\s*\nexport declare class/);
  const clean = (s: string) =>
    s.split("\n").map((l) => l.replace(/^\s*\*\s?/, "")).join("\n").trim();
  const re = /(?:\/\*\*\s*\n((?:\s*\*.*\n)*?)\s*\*\/\s*\n)?\s*'([^']+)'(\?)?:/g;
  const body = text.slice(text.indexOf("export declare class"));
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) fields.set(m[2]!, { description: m[1] ? clean(m[1]) : undefined, optional: m[3] === "?" });
  return { description: clsDoc ? clean(clsDoc[1]!) : undefined, fields };
}

function attrs(cls: string): Attr[] | undefined {
  const file = join(models, `${cls}.js`);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const m = text.match(/\.attributeTypeMap = (\[[\s\S]*?\]);/);
  return m ? (JSON.parse(m[1]!) as Attr[]) : undefined;
}

function splitClass(cls: string): { version: string; name: string } {
  // V1PodSpec, or group-prefixed where names collide across groups: CoreV1Event, CoreV1EndpointPort.
  const m = cls.match(/^((?:[A-Z][a-z]+)*?)(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/)!;
  return { version: m[2]!.toLowerCase(), name: m[3]! };
}

const defs: Record<string, Def> = {};
const names = new Map<string, string>(); // class → definition name
const queue: { cls: string; pkg: string }[] = [];

function defName(cls: string, pkg: string): string {
  const known = names.get(cls);
  if (known) return known;
  const { version, name } = splitClass(cls);
  let full: string;
  if (META_TYPES.has(name) && version === "v1") full = `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
  else if (CORE_TYPES.has(name) && version === "v1") full = `io.k8s.api.core.v1.${name}`;
  else full = `io.k8s.api.${pkg}.${version}.${name}`;
  names.set(cls, full);
  queue.push({ cls, pkg: full.startsWith("io.k8s.api.") ? full.split(".")[3]! : pkg });
  return full;
}

function schemaOf(type: string, format: string, field: string, pkg: string): any {
  if (type === "string") {
    if (QUANTITY_FIELDS.has(field)) return { $ref: "io.k8s.apimachinery.pkg.api.resource.Quantity" };
    return format ? { type: "string", format } : { type: "string" };
  }
  if (type === "number") return format === "double" ? { type: "number", format } : { type: "integer", format: format || "int32" };
  if (type === "boolean") return { type: "boolean" };
  if (type === "Date") return { $ref: "io.k8s.apimachinery.pkg.apis.meta.v1.Time" };
  if (type === "V1MicroTime") return { $ref: "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime" };
  if (type === "IntOrString") return { $ref: "io.k8s.apimachinery.pkg.util.intstr.IntOrString" };
  if (type === "any" || type === "object") return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  let m = type.match(/^Array<(.+)>$/);
  if (m) return { type: "array", items: schemaOf(m[1]!, "", "", pkg) };
  m = type.match(/^\{ \[key: string\]: (.+); \}$/);
  if (m) {
    const inner = m[1] === "string" && QUANTITY_MAPS.has(field) ? { $ref: "io.k8s.apimachinery.pkg.api.resource.Quantity" } : schemaOf(m[1]!, "", "", pkg);
    return { type: "object", additionalProperties: inner };
  }
  if (/^(?:[A-Z][a-z]+)*V\d/.test(type) && attrs(type)) return { $ref: defName(type, pkg) };
  return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
}

const kinds: Record<string, string> = {};
const roots: { cls: string; group: string; version: string; kind: string }[] = [
  ...builtinResources.map((r) => ({ cls: `V1${r.kind}`, group: r.group, version: r.version, kind: r.kind })),
  { cls: "V1Scale", group: "autoscaling", version: "v1", kind: "Scale" },
  { cls: "V1Status", group: "", version: "v1", kind: "Status" },
  { cls: "V1DeleteOptions", group: "", version: "v1", kind: "DeleteOptions" },
  { cls: "V1WatchEvent", group: "", version: "v1", kind: "WatchEvent" },
  { cls: "V1Binding", group: "", version: "v1", kind: "Binding" },
  { cls: "V1Eviction", group: "policy", version: "v1", kind: "Eviction" },
];
// Core kinds first, so that types they share with other groups land in core.
roots.sort((a, b) => (a.group === "" ? 0 : 1) - (b.group === "" ? 0 : 1));
for (const r of roots) {
  if (!attrs(r.cls) && attrs(`Core${r.cls}`)) r.cls = `Core${r.cls}`;
  if (!attrs(r.cls)) throw new Error(`no model ${r.cls} in @kubernetes/client-node`);
  const name = defName(r.cls, PACKAGE_OF_GROUP[r.group] ?? r.group.split(".")[0]!);
  kinds[`${r.group}/${r.version}/${r.kind}`] = name;
  const listCls = `${r.cls}List`;
  if (attrs(listCls)) kinds[`${r.group}/${r.version}/${r.kind}List`] = defName(listCls, PACKAGE_OF_GROUP[r.group] ?? r.group);
}

while (queue.length) {
  const { cls, pkg } = queue.shift()!;
  const name = names.get(cls)!;
  if (defs[name]) continue;
  const a = attrs(cls);
  if (!a) {
    defs[name] = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    continue;
  }
  const doc = parseDts(cls);
  const def: Def = { type: "object", properties: {} };
  if (doc.description) def.description = doc.description;
  const required: string[] = [];
  for (const at of a) {
    const s = schemaOf(at.type, at.format, at.baseName, pkg);
    const f = doc.fields.get(at.name) ?? doc.fields.get(at.baseName);
    if (f?.description) s.description = f.description;
    if (f && !f.optional) required.push(at.baseName);
    def.properties![at.baseName] = s;
  }
  if (required.length) def.required = required;
  defs[name] = def;
}

// Leaf types Kubernetes defines specially.
defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = {
  description: "IntOrString is a type that can hold an int32 or a string.",
  type: "string",
  format: "int-or-string",
  "x-kubernetes-int-or-string": true,
};
defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = {
  description: "Quantity is a fixed-point representation of a number, e.g. 100m, 128Mi, 1.5, 2e3.",
  type: "string",
  "x-kubernetes-int-or-string": true,
};
defs["io.k8s.apimachinery.pkg.apis.meta.v1.Time"] = {
  description: "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON (RFC 3339).",
  type: "string",
  format: "date-time",
};
defs["io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"] = { description: "MicroTime is version of Time with microsecond level precision.", type: "string", format: "date-time" };

mkdirSync(dirname(out), { recursive: true });
const text = JSON.stringify({ source: "@kubernetes/client-node models", kinds, defs });
const previous = existsSync(out) ? readFileSync(out, "utf8") : "";
if (previous !== text) writeFileSync(out, text);
console.log(`openapi: ${Object.keys(defs).length} definitions, ${Object.keys(kinds).length} kinds, ${Math.round(statSync(out).size / 1024)} KiB`);

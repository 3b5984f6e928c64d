/**
 * /openapi/v3 (root index + one document per group version) and /openapi/v2 (one swagger
 * document), built on first request and kept as JSON strings: a GV document is 100–300 KB and
 * every kubectl apply/explain asks for it, so it is rendered once per content hash.
 */
import { createHash } from "node:crypto";
import type { ResourceInfo } from "../resources/types.ts";
import type { Schema } from "./defs-types.ts";
import { openapiDefs } from "./defs.ts";
import { META_PREFIX } from "./model-names.ts";
import { openapiV2Protobuf } from "./v2-protobuf.ts";
import { referencedDefinitions, resourcePaths, type Operation, type Param, type PathItem } from "./operations.ts";
import { customDefinitions } from "./custom-definitions.ts";

const PATCH_DEF = `${META_PREFIX}.Patch`;
const PATCH_TYPES = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];
const patchTypes = (o: Operation) => (o.noStrategic ? PATCH_TYPES.filter((t) => t !== "application/strategic-merge-patch+json") : PATCH_TYPES);
const MEDIA = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
const SECURITY = { BearerToken: { type: "apiKey", description: "Bearer Token authentication", name: "authorization", in: "header" } };

/** Every definition reachable from `roots`, in name order (stable output); `extra`: custom resources' own. */
function closure(roots: Iterable<string>, extra: Record<string, Schema>): string[] {
  const defs = { ...openapiDefs().definitions, ...extra };
  const seen = new Set<string>();
  const visit = (s: Schema | undefined) => {
    if (!s) return;
    if (s.$ref && !seen.has(s.$ref)) {
      seen.add(s.$ref);
      visit(defs[s.$ref]);
    }
    visit(s.items);
    visit(s.additionalProperties);
    for (const p of Object.values(s.properties ?? {})) visit(p);
  };
  for (const r of roots) visit({ $ref: r });
  return [...seen].filter((n) => defs[n]).sort();
}

/** Rewrites bare `$ref`s; v3 wraps a ref that has siblings in allOf, as OpenAPI 3.0 ignores them (and the apiserver does so). */
function render(s: Schema, prefix: string, v3: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "properties") {
      const props: Record<string, unknown> = {};
      for (const [pk, pv] of Object.entries(v as Record<string, Schema>)) props[pk] = render(pv, prefix, v3);
      out[k] = props;
    } else if (k === "items" || k === "additionalProperties") out[k] = render(v as Schema, prefix, v3);
    else if (k !== "$ref") out[k] = v;
  }
  if (!s.$ref) return out;
  const ref = { $ref: prefix + s.$ref };
  if (!v3 || Object.keys(out).length === 0) return { ...ref, ...out };
  return { allOf: [ref], ...out };
}

/**
 * v3 publishes IntOrString and Quantity as a oneOf without a `type`, which is also what makes
 * kubectl explain name them (`<IntOrString>`, `<map[string]Quantity>`) instead of `<string>`.
 */
function intOrStringV3(s: Schema): Record<string, unknown> {
  const alt = s.format === "int-or-string" ? "integer" : "number";
  const { type: _t, format: _f, ...rest } = s;
  return { ...rest, oneOf: [{ type: alt }, { type: "string" }] };
}

function definitionsFor(names: string[], prefix: string, v3: boolean, extra: Record<string, Schema>): Record<string, unknown> {
  const defs = { ...openapiDefs().definitions, ...extra };
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const d = defs[n]!;
    out[n] = v3 && d["x-kubernetes-int-or-string"] ? intOrStringV3(d) : render(d, prefix, v3);
  }
  out[PATCH_DEF] = { type: "object", description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body." };
  return out;
}

const schemaRef = (name: string | undefined, prefix: string): Record<string, unknown> =>
  name === "string" ? { type: "string" } : name ? { $ref: prefix + name } : { type: "object" };

function v3Param(p: Param): Record<string, unknown> {
  const o: Record<string, unknown> = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required) o.required = true;
  return o;
}

/** Parameters inline, never `$ref`: kubectl's fieldValidation probe reads each parameter's name as it stands. */
function v3Operation(o: Operation): Record<string, unknown> {
  const prefix = "#/components/schemas/";
  const media = o.response === "string" ? ["text/plain", "*/*"] : MEDIA;
  const out: Record<string, unknown> = {
    tags: [o.tag], description: o.description, operationId: o.operationId,
    parameters: o.params.map(v3Param),
    responses: {
      [o.responseCode]: {
        description: o.responseCode === "201" ? "Created" : "OK",
        content: Object.fromEntries(media.map((m) => [m, { schema: schemaRef(o.response, prefix) }])),
      },
      "401": { description: "Unauthorized" },
    },
    "x-kubernetes-action": o.action,
    "x-kubernetes-group-version-kind": o.gvk,
  };
  if (o.patch) out.requestBody = { content: Object.fromEntries(patchTypes(o).map((t) => [t, { schema: { $ref: prefix + PATCH_DEF } }])), required: true };
  else if (o.body) out.requestBody = { content: { "*/*": { schema: { $ref: prefix + o.body } } }, required: o.method !== "delete" };
  return out;
}

function v2Param(p: Param): Record<string, unknown> {
  const o: Record<string, unknown> = { name: p.name, in: p.in, description: p.description, type: p.type, uniqueItems: true };
  if (p.required) o.required = true;
  return o;
}

function v2Operation(o: Operation): Record<string, unknown> {
  const prefix = "#/definitions/";
  const params = o.params.map(v2Param);
  if (o.patch) params.unshift({ name: "body", in: "body", required: true, schema: { $ref: prefix + PATCH_DEF } });
  else if (o.body) params.unshift({ name: "body", in: "body", required: o.method !== "delete", schema: { $ref: prefix + o.body } });
  return {
    tags: [o.tag], description: o.description, operationId: o.operationId,
    consumes: o.patch ? patchTypes(o) : ["*/*"],
    produces: o.response === "string" ? ["text/plain", "*/*"] : MEDIA,
    schemes: ["https"],
    parameters: params,
    responses: { [o.responseCode]: { description: o.responseCode === "201" ? "Created" : "OK", schema: schemaRef(o.response, prefix) }, "401": { description: "Unauthorized" } },
    "x-kubernetes-action": o.action,
    "x-kubernetes-group-version-kind": o.gvk,
  };
}

const gvPath = (group: string, version: string) => (group === "" ? `api/${version}` : `apis/${group}/${version}`);

interface GroupVersion { group: string; version: string; resources: ResourceInfo[] }

function groupVersions(resources: ResourceInfo[]): Map<string, GroupVersion> {
  const out = new Map<string, GroupVersion>();
  for (const r of resources) {
    const key = gvPath(r.group, r.version);
    if (!out.has(key)) out.set(key, { group: r.group, version: r.version, resources: [] });
    out.get(key)!.resources.push(r);
  }
  return out;
}

/** What a document depends on: the generated definitions and the served resources' shape. */
function fingerprint(resources: ResourceInfo[]): string {
  const shape = resources.map((r) => [r.group, r.version, r.kind, r.plural, r.namespaced, r.subresources ?? [], r.verbs ?? [], r.custom ? `${r.custom.crdUid}/${r.custom.generation}` : ""]);
  return createHash("sha512").update(openapiDefs().hash).update(JSON.stringify(shape)).digest("hex").toUpperCase();
}

/** One rendered document per group version (replaced when its fingerprint changes). */
const v3Cache = new Map<string, { hash: string; json: string }>();
let v2Cache: { hash: string; json: string; etag: string; protobuf?: Uint8Array } | undefined;

function pathsOf(resources: ResourceInfo[], param: (p: Param) => unknown, operation: (o: Operation) => unknown): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const item of resources.flatMap(resourcePaths)) {
    const pi: Record<string, unknown> = { parameters: item.params.map(param) };
    for (const o of item.ops) pi[o.method] = operation(o);
    paths[item.path] = pi;
  }
  return paths;
}

const itemsOf = (resources: ResourceInfo[]): PathItem[] => resources.flatMap(resourcePaths);

function schemasOf(resources: ResourceInfo[], prefix: string, v3: boolean): Record<string, unknown> {
  const extra = customDefinitions(resources);
  return definitionsFor(closure(referencedDefinitions(itemsOf(resources)), extra), prefix, v3, extra);
}

/** The v3 document of one group version as JSON text; undefined when nothing is served there. */
export function openapiV3GroupVersionJson(group: string, version: string, resources: ResourceInfo[]): string | undefined {
  const key = gvPath(group, version);
  const gv = groupVersions(resources).get(key);
  if (!gv) return undefined;
  const hash = fingerprint(gv.resources);
  const cached = v3Cache.get(key);
  if (cached?.hash === hash) return cached.json;
  const doc = {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "unversioned" },
    paths: pathsOf(gv.resources, v3Param, v3Operation),
    components: {
      schemas: schemasOf(gv.resources, "#/components/schemas/", true),
      securitySchemes: SECURITY,
    },
  };
  const json = JSON.stringify(doc);
  v3Cache.set(key, { hash, json });
  return json;
}

/** The v3 document of one group version; undefined when the group version is not served. */
export function openapiV3GroupVersion(group: string, version: string, resources: ResourceInfo[]): object | undefined {
  const json = openapiV3GroupVersionJson(group, version, resources);
  return json === undefined ? undefined : (JSON.parse(json) as object);
}

/**
 * The /openapi/v3 index: `{"paths": {"apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=…"}}}`.
 * The hash changes whenever that document would, so clients may cache documents by URL.
 */
export function openapiV3Root(resources: ResourceInfo[]): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const gvs = [...groupVersions(resources).entries()].sort(([a], [b]) => a.localeCompare(b));
  for (const [path, gv] of gvs) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${fingerprint(gv.resources)}` };
  return { paths };
}

/** The hash of a group version's document (the `?hash=` of its URL); undefined when not served. */
export function openapiV3Hash(group: string, version: string, resources: ResourceInfo[]): string | undefined {
  const gv = groupVersions(resources).get(gvPath(group, version));
  return gv ? fingerprint(gv.resources) : undefined;
}

/** The swagger 2.0 document of everything served, as JSON text. */
export function openapiV2Json(resources: ResourceInfo[]): string {
  const hash = fingerprint(resources);
  if (v2Cache?.hash === hash) return v2Cache.json;
  const doc = {
    swagger: "2.0",
    info: { title: "Kubernetes", version: "unversioned" },
    paths: pathsOf(resources, v2Param, v2Operation),
    definitions: schemasOf(resources, "#/definitions/", false),
    securityDefinitions: SECURITY,
    security: [{ BearerToken: [] }],
  };
  const json = JSON.stringify(doc);
  // As kube-openapi does: one ETag for both encodings, the SHA-512 of the JSON, quoted.
  v2Cache = { hash, json, etag: `"${createHash("sha512").update(json).digest("hex").toUpperCase()}"` };
  return v2Cache.json;
}

/** The v2 document's ETag (shared by its JSON and protobuf forms). */
export function openapiV2ETag(resources: ResourceInfo[]): string {
  openapiV2Json(resources);
  return v2Cache!.etag;
}

/** The v2 document as gnostic's protobuf Document (see v2-protobuf.ts), encoded once per content. */
export function openapiV2ProtobufBytes(resources: ResourceInfo[]): Uint8Array {
  const json = openapiV2Json(resources);
  v2Cache!.protobuf ??= openapiV2Protobuf(JSON.parse(json));
  return v2Cache!.protobuf;
}

/** The swagger 2.0 document of everything served. */
export function openapiV2(resources: ResourceInfo[]): object {
  return JSON.parse(openapiV2Json(resources)) as object;
}

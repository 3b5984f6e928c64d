/**
 * OpenAPI documents: v3 per group-version (what kubectl 1.32 reads for field validation
 * support and `kubectl explain`) with a root index of hashed URLs, and a v2 (JSON) document.
 * Built lazily on first request and cached as strings' sources — idle servers pay nothing.
 */
import type { ResourceInfo } from "../resources/types.ts";
import { allKinds, definitionOf, definitions, type Schema } from "./definitions.ts";
import { PATCH_STRATEGIES } from "./patch-strategies.ts";

type Doc = Record<string, any>;

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

/** Rewrites refs to the document's style and adds Kubernetes' extensions. */
function exportSchema(name: string, s: Schema, refPrefix: string, v3: boolean): Schema {
  const conv = (x: Schema, owner?: string, field?: string): Schema => {
    const out: Schema = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === "$ref") continue;
      if (k === "properties") {
        out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([f, p]) => [f, conv(p, owner, f)]));
      } else if (k === "items" || k === "additionalProperties") {
        out[k] = conv(v as Schema);
      } else out[k] = v;
    }
    if (x.$ref) {
      // A ref with siblings (description) is wrapped in allOf, as Kubernetes publishes it.
      if (v3 && Object.keys(out).length) {
        out.allOf = [{ $ref: refPrefix + x.$ref }];
      } else out.$ref = refPrefix + x.$ref;
    }
    if (owner && field) {
      const info = PATCH_STRATEGIES[`${owner}.${field}`];
      if (info) {
        out["x-kubernetes-patch-strategy"] = info.strategy;
        if (info.mergeKey) out["x-kubernetes-patch-merge-key"] = info.mergeKey;
        if (info.listType) out["x-kubernetes-list-type"] = info.listType;
        if (info.listMapKeys) out["x-kubernetes-list-map-keys"] = info.listMapKeys;
      }
    }
    return out;
  };
  const out = conv(s, name);
  const gvks = allKinds().filter((k) => k.def === name).map((k) => ({ group: k.group, version: k.version, kind: k.kind }));
  if (gvks.length) out["x-kubernetes-group-version-kind"] = gvks;
  return out;
}

/** Definitions reachable from the given roots. */
function reachable(roots: string[]): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  const visit = (s: Schema | undefined) => {
    if (!s) return;
    if (s.$ref && !seen.has(s.$ref)) stack.push(s.$ref);
    for (const p of Object.values(s.properties ?? {})) visit(p);
    visit(s.items);
    visit(s.additionalProperties);
  };
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n) || !definitions[n]) continue;
    seen.add(n);
    visit(definitions[n]);
  }
  return [...seen].sort();
}

interface Op {
  action: string;
  gvk: { group: string; version: string; kind: string };
  responseDef?: string;
  bodyDef?: string;
  patch?: boolean;
  list?: boolean;
  write?: boolean;
}

function queryParam(name: string, description: string, type = "string"): Doc {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

const WRITE_PARAMS = [
  queryParam("dryRun", "When present, indicates that modifications should not be persisted. Valid value: All."),
  queryParam("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  queryParam("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values: Ignore, Warn (default), Strict."),
];
const LIST_PARAMS = ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "resourceVersionMatch", "timeoutSeconds", "watch", "allowWatchBookmarks", "sendInitialEvents"].map((n) =>
  queryParam(n, `${n} (see the Kubernetes API conventions)`, n === "limit" || n === "timeoutSeconds" ? "integer" : n === "watch" || n === "allowWatchBookmarks" || n === "sendInitialEvents" ? "boolean" : "string"),
);

function operation(id: string, op: Op, ref: (d: string) => Doc): Doc {
  const o: Doc = {
    operationId: id,
    "x-kubernetes-action": op.action,
    "x-kubernetes-group-version-kind": op.gvk,
    parameters: [...(op.write ? WRITE_PARAMS : []), ...(op.list ? LIST_PARAMS : [])],
    responses: { "200": { description: "OK", content: { "application/json": { schema: op.responseDef ? ref(op.responseDef) : { type: "object" } } } }, "401": { description: "Unauthorized" } },
  };
  if (op.bodyDef) {
    const types = op.patch
      ? ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"]
      : ["*/*"];
    o.requestBody = { required: true, content: Object.fromEntries(types.map((t) => [t, { schema: op.patch ? { type: "object" } : ref(op.bodyDef!) }])) };
  }
  return o;
}

function pathsFor(r: ResourceInfo, ref: (d: string) => Doc): Record<string, Doc> {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const def = definitionOf(r.group, r.version, r.kind);
  const listDef = definitionOf(r.group, r.version, `${r.kind}List`);
  const base = `/${gvPath(r.group, r.version)}`;
  const coll = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const item = `${coll}/{name}`;
  const K = r.kind;
  const paths: Record<string, Doc> = {
    [coll]: {
      get: operation(`list${K}`, { action: "list", gvk, responseDef: listDef, list: true }, ref),
      post: operation(`create${K}`, { action: "post", gvk, responseDef: def, bodyDef: def, write: true }, ref),
      delete: operation(`deletecollection${K}`, { action: "deletecollection", gvk, list: true }, ref),
    },
    [item]: {
      get: operation(`read${K}`, { action: "get", gvk, responseDef: def }, ref),
      put: operation(`replace${K}`, { action: "put", gvk, responseDef: def, bodyDef: def, write: true }, ref),
      patch: operation(`patch${K}`, { action: "patch", gvk, responseDef: def, bodyDef: def, patch: true, write: true }, ref),
      delete: operation(`delete${K}`, { action: "delete", gvk, responseDef: def }, ref),
    },
  };
  if (r.namespaced) paths[`${base}/${r.plural}`] = { get: operation(`list${K}ForAllNamespaces`, { action: "list", gvk, responseDef: listDef, list: true }, ref) };
  for (const sub of r.subresources ?? []) {
    if (sub === "status") {
      paths[`${item}/status`] = {
        get: operation(`read${K}Status`, { action: "get", gvk, responseDef: def }, ref),
        put: operation(`replace${K}Status`, { action: "put", gvk, responseDef: def, bodyDef: def, write: true }, ref),
        patch: operation(`patch${K}Status`, { action: "patch", gvk, responseDef: def, bodyDef: def, patch: true, write: true }, ref),
      };
    } else if (sub === "scale") {
      const sgvk = { group: "autoscaling", version: "v1", kind: "Scale" };
      const sdef = definitionOf("autoscaling", "v1", "Scale");
      paths[`${item}/scale`] = {
        get: operation(`read${K}Scale`, { action: "get", gvk: sgvk, responseDef: sdef }, ref),
        put: operation(`replace${K}Scale`, { action: "put", gvk: sgvk, responseDef: sdef, bodyDef: sdef, write: true }, ref),
        patch: operation(`patch${K}Scale`, { action: "patch", gvk: sgvk, responseDef: sdef, bodyDef: sdef, patch: true, write: true }, ref),
      };
    }
  }
  return paths;
}

const v3Cache = new Map<string, Doc | null>();

export function openapiV3GroupVersion(group: string, version: string, resources: ResourceInfo[]): Doc | undefined {
  const key = `${group}/${version}`;
  if (v3Cache.has(key)) return v3Cache.get(key) ?? undefined;
  const rs = resources.filter((r) => r.group === group && r.version === version);
  if (!rs.length) {
    v3Cache.set(key, null);
    return undefined;
  }
  const ref = (d: string) => ({ $ref: `#/components/schemas/${d}` });
  const paths: Record<string, Doc> = {};
  for (const r of rs) Object.assign(paths, pathsFor(r, ref));
  const roots = rs.flatMap((r) => [definitionOf(r.group, r.version, r.kind), definitionOf(r.group, r.version, `${r.kind}List`)]).filter(Boolean) as string[];
  if (rs.some((r) => r.subresources?.includes("scale"))) roots.push(definitionOf("autoscaling", "v1", "Scale")!);
  roots.push(definitionOf("", "v1", "Status")!, definitionOf("", "v1", "DeleteOptions")!);
  const schemas: Record<string, Schema> = {};
  for (const n of reachable(roots)) schemas[n] = exportSchema(n, definitions[n]!, "#/components/schemas/", true);
  const doc = { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.0+k3rs" }, paths, components: { schemas } };
  v3Cache.set(key, doc);
  return doc;
}

function hashOf(doc: Doc): string {
  return new Bun.CryptoHasher("sha512").update(JSON.stringify(doc)).digest("hex").slice(0, 128).toUpperCase();
}

export function openapiV3Root(resources: ResourceInfo[]): Doc {
  const gvs = [...new Set(resources.map((r) => `${r.group}/${r.version}`))];
  const paths: Record<string, Doc> = {};
  for (const gv of gvs) {
    const [group, version] = gv.split("/") as [string, string];
    const doc = openapiV3GroupVersion(group, version, resources)!;
    paths[gvPath(group, version)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hashOf(doc)}` };
  }
  return { paths };
}

let v2Cache: Doc | undefined;

export function openapiV2(resources: ResourceInfo[]): Doc {
  if (v2Cache) return v2Cache;
  const ref = (d: string) => ({ $ref: `#/definitions/${d}` });
  const paths: Record<string, Doc> = {};
  for (const r of resources) Object.assign(paths, pathsFor(r, ref));
  const defs: Record<string, Schema> = {};
  for (const n of Object.keys(definitions)) defs[n] = exportSchema(n, definitions[n]!, "#/definitions/", false);
  v2Cache = { swagger: "2.0", info: { title: "Kubernetes", version: "v1.32.0+k3rs" }, paths, definitions: defs };
  return v2Cache;
}

/**
 * REST verbs on resources: get, list, watch, create, update, patch, delete, deletecollection,
 * and the generic subresources (status, scale, binding). One function per verb; they all
 * end in ObjectStorage, the single write path.
 */
import { jsonListBody, jsonListBytes } from "./list-body.ts";
import { negotiatedResponse } from "../../http/gzip-body.ts";
import type { KubeObject } from "../../model/object.ts";
import type { ResourceContext } from "./context.ts";
import { errors, StatusError } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { ObjectStorage, DeleteOptions, ListQuery } from "../storage/object-storage.ts";
import { buildFilter, fieldRequirements, selectedName } from "../storage/filter.ts";
import { checkAcceptable, decodeBody, decodeObject, duplicateBodyFields, mediaType, negotiateTable, readBody, writeQuery, type WriteQuery } from "../request.ts";
import { parseGetOptions, parseListOptions, type ListOptions } from "../options/list-options.ts";
import { json, servedResponse, warningHeaders } from "./respond.ts";
import { readDeleteOptions } from "../options/delete-options.ts";
import { serveWatch } from "./watch.ts";
import { tableListBody, toTable } from "./table.ts";
import { applyPatch } from "../patch/index.ts";
import { patchSchemaFor } from "../openapi/index.ts";
import { checkFields } from "./fields.ts";
import { getScale, scaleMutation } from "./scale.ts";
import { bindPodHandler } from "./binding.ts";
import { evictPodHandler } from "./eviction.ts";
import { podLogHandler } from "./pod-log.ts";
import { nodeProxyHandler } from "./node-proxy.ts";
import { isPodStream, podStreamHandler } from "./pod-stream.ts";
import { METRICS_GROUP, metricsApiHandler } from "./metrics-api.ts";
import { isReview, reviewHandler } from "./reviews.ts";
import { tokenRequestHandler } from "./token-request.ts";
import { refuseStrategicMergeOfCustom } from "./custom-patch.ts";
import { APPLY_PATCH, applyHandler } from "./apply.ts";
import { fieldManagerOf, recordUpdate } from "./field-manager.ts";

export type { ResourceContext };

export async function handleResource(ctx: ResourceContext): Promise<Response> {
  const { req, path, def } = ctx;
  // Logs are text whatever the client accepts (LogREST produces text/plain only); streams are no documents.
  // Logs are text, node proxy answers are the kubelet's own: neither is a document to negotiate.
  if (path.subresource !== "log" && path.subresource !== "proxy" && !isPodStream(path.subresource)) checkAcceptable(req);
  if (def.namespaced && !path.namespace && path.name) {
    throw errors.notFound(def.group, def.plural, path.name);
  }
  if (!def.namespaced && path.namespace) throw errors.notFound("", "", path.resource);
  const sub = path.subresource;
  if (sub && !def.subresources?.includes(sub)) throw errors.notFound(def.group, `${def.plural}/${sub}`, path.name ?? "");
  if (def.group === METRICS_GROUP) return metricsApiHandler(ctx);
  if (isReview(def.group, def.plural)) return reviewHandler(ctx, ctx.reviews);
  const method = req.method;
  if (!path.name) {
    if (method === "GET") {
      const options = parseListOptions(ctx.url.searchParams, path.watchPath);
      if (options.watch) return serveWatch(ctx, options);
      return list(ctx, options);
    }
    if (method === "POST") return create(ctx);
    if (method === "DELETE") return deleteCollection(ctx);
    throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
  if (sub === "scale") return scale(ctx);
  if (sub === "binding" && method === "POST") return bindPodHandler(ctx);
  if (sub === "eviction" && method === "POST") return evictPodHandler(ctx);
  if (sub === "log" && method === "GET") return podLogHandler(ctx);
  if (sub === "proxy" && def.plural === "nodes") return nodeProxyHandler(ctx);
  if (isPodStream(sub)) return podStreamHandler(ctx, sub);
  if (sub === "token") return tokenRequestHandler(ctx);
  if (sub && sub !== "status" && sub !== "finalize" && sub !== "ephemeralcontainers") throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
  switch (method) {
    case "GET":
      if (path.watchPath) return serveWatch(ctx, parseListOptions(ctx.url.searchParams, true));
      return get(ctx);
    case "PUT":
      return replace(ctx);
    case "PATCH":
      return patch(ctx);
    case "DELETE":
      if (sub) break;
      return remove(ctx);
    case "POST":
      throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
  throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
}

async function get(ctx: ResourceContext): Promise<Response> {
  // Every revision is served from the latest state (always "not older than" the one asked for).
  parseGetOptions(ctx.url.searchParams);
  const item = await ctx.storage.getServed(ctx.def, ctx.path.namespace, ctx.path.name!);
  const table = negotiateTable(ctx.req, ctx.url);
  const body = table
    ? JSON.stringify(toTable(ctx.def, [item.object], table.includeObject, { resourceVersion: item.object.metadata.resourceVersion }))
    : (item.json ?? JSON.stringify(item.object));
  return negotiatedResponse(ctx.req, body, { "content-type": "application/json" });
}

async function list(ctx: ResourceContext, options: ListOptions): Promise<Response> {
  const filter = buildFilter(ctx.def, ctx.url);
  const query: ListQuery = { filter, name: selectedName(fieldRequirements(ctx.url)), limit: options.limit, continueToken: options.continue };
  if (options.continue && options.revision !== undefined) throw errors.badRequest("specifying resource version is not allowed when using continue");
  // Legacy paging rule: a resourceVersion with a limit and no match is served exactly.
  const exact = options.resourceVersionMatch === "Exact" || (options.resourceVersionMatch === undefined && (options.limit ?? 0) > 0);
  if (options.revision !== undefined) {
    if (exact) query.exactRevision = options.revision;
    else query.minRevision = options.revision;
  }
  const table = negotiateTable(ctx.req, ctx.url);
  if (table) {
    const cursor = await ctx.storage.listCursor(ctx.def, ctx.path.namespace, query);
    return negotiatedResponse(ctx.req, tableListBody(ctx.def, cursor, table.includeObject), { "content-type": "application/json" });
  }
  const list = await ctx.storage.listJson(ctx.def, ctx.path.namespace, query);
  return negotiatedResponse(ctx.req, jsonListBody(list), { "content-type": "application/json" }, () => jsonListBytes(list));
}

/** Decodes the body as an object of this resource's kind, enforcing fieldValidation. */
function decodeTyped(ctx: ResourceContext, text: Buffer, q: WriteQuery, warnings: string[]): KubeObject {
  const contentType = ctx.req.headers.get("content-type");
  const obj = decodeObject(contentType, text) as KubeObject;
  checkKind(ctx.def, obj);
  const duplicates = q.fieldValidation === "Strict" ? duplicateBodyFields(contentType, text) : [];
  checkFields(ctx.def, obj, q.fieldValidation, warnings, duplicates);
  obj.metadata ??= {};
  return obj;
}

function checkKind(def: ResourceDef, obj: KubeObject): void {
  const want = def.group ? `${def.group}/${def.version}` : def.version;
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    throw errors.badRequest(`${obj.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the object kind ${JSON.stringify(obj.kind)} does not match the resource kind ${JSON.stringify(def.kind)}`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`);
  }
  if (obj.metadata !== undefined && (typeof obj.metadata !== "object" || Array.isArray(obj.metadata) || obj.metadata === null)) {
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: metadata must be an object`);
  }
}

async function create(ctx: ResourceContext): Promise<Response> {
  const q = writeQuery(ctx.url, "CreateOptions");
  const warnings: string[] = [];
  const obj = decodeTyped(ctx, await readBody(ctx.req), q, warnings);
  const ns = ctx.path.namespace;
  if (ctx.def.namespaced) {
    if (!ns) throw errors.badRequest("the server could not find the requested resource: namespace required for a namespaced resource");
    if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
      throw errors.badRequest(`the namespace of the provided object does not match the namespace sent on the request`);
    }
  }
  if (!obj.metadata.name && !obj.metadata.generateName) {
    throw errors.invalid(ctx.def.group, ctx.def.kind, "", [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }]);
  }
  recordUpdate(ctx.def, q, fieldManagerOf(ctx.req, q.fieldManager), undefined, obj);
  const created = await ctx.storage.createServed(ctx.def, ns, obj, { dryRun: q.dryRun, user: ctx.user });
  return servedResponse(created, 201, warningHeaders(warnings));
}

async function replace(ctx: ResourceContext): Promise<Response> {
  const q = writeQuery(ctx.url, "UpdateOptions");
  const warnings: string[] = [];
  const obj = decodeTyped(ctx, await readBody(ctx.req), q, warnings);
  const name = ctx.path.name!;
  if (obj.metadata.name && obj.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  if (ctx.def.namespaced && obj.metadata.namespace && obj.metadata.namespace !== ctx.path.namespace) {
    throw errors.badRequest(`the namespace of the provided object does not match the namespace sent on the request`);
  }
  const sub = ctx.path.subresource === "finalize" ? undefined : ctx.path.subresource;
  const finalize = ctx.path.subresource === "finalize";
  const written = await ctx.storage.update(
    ctx.def,
    ctx.path.namespace,
    name,
    (current) => {
      if (!finalize) return recordUpdate(ctx.def, q, fieldManagerOf(ctx.req, q.fieldManager), current.metadata.uid ? current : undefined, { ...obj, metadata: { ...obj.metadata, name } }, sub);
      // namespaces/finalize writes only spec.finalizers.
      return { ...current, spec: { ...current.spec, finalizers: obj.spec?.finalizers ?? [] }, metadata: { ...current.metadata, resourceVersion: obj.metadata.resourceVersion } };
    },
    { dryRun: q.dryRun, subresource: sub, createIfMissing: !sub && !finalize, user: ctx.user },
  );
  return servedResponse(written, written.created ? 201 : 200, warningHeaders(warnings));
}

async function patch(ctx: ResourceContext): Promise<Response> {
  const q = writeQuery(ctx.url, "PatchOptions");
  const warnings: string[] = [];
  const contentType = ctx.req.headers.get("content-type") ?? "";
  if (mediaType(contentType) === APPLY_PATCH) return applyHandler(ctx, q, (obj) => checkKind(ctx.def, obj));
  if (ctx.url.searchParams.get("force") !== null) {
    throw errors.invalid("meta.k8s.io", "PatchOptions", "", [{ reason: "FieldValueForbidden", field: "force", message: "Forbidden: may not be specified for non-apply patch" }]);
  }
  const text = await readBody(ctx.req);
  refuseStrategicMergeOfCustom(ctx.def, contentType);
  const body = decodeBody(contentType, text, [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
  ]);
  // Kubernetes decodes merge and strategic-merge patches strictly too (a JSON patch is a list of operations).
  const mergePatch = ["application/merge-patch+json", "application/strategic-merge-patch+json"].includes(mediaType(contentType));
  const duplicates = q.fieldValidation === "Strict" && mergePatch ? duplicateBodyFields(contentType, text) : [];
  const schema = ctx.def.custom ? undefined : patchSchemaFor(ctx.def.group, ctx.def.version, ctx.def.kind);
  const written = await ctx.storage.update(
    ctx.def,
    ctx.path.namespace,
    ctx.path.name!,
    (current) => {
      const patched = applyPatch(contentType, current, body, schema) as KubeObject;
      checkKind(ctx.def, patched);
      if (patched.metadata === null || typeof patched.metadata !== "object") throw errors.badRequest("metadata must be an object");
      checkFields(ctx.def, patched, q.fieldValidation, warnings, duplicates);
      // A patch that carries no resourceVersion applies to whatever is current: unpinned, so a
      // concurrent write makes the patch re-apply to the newer object instead of failing with 409.
      if (!hasResourceVersion(body)) delete patched.metadata.resourceVersion;
      return recordUpdate(ctx.def, q, fieldManagerOf(ctx.req, q.fieldManager), current, patched, ctx.path.subresource);
    },
    { dryRun: q.dryRun, subresource: ctx.path.subresource, user: ctx.user },
  );
  return servedResponse(written, 200, warningHeaders(warnings));
}

function hasResourceVersion(patchBody: unknown): boolean {
  if (Array.isArray(patchBody)) return patchBody.some((op) => typeof op?.path === "string" && op.path === "/metadata/resourceVersion");
  const rv = (patchBody as any)?.metadata?.resourceVersion;
  return typeof rv === "string" && rv !== "";
}

/** DeleteOptions from the body (a JSON/YAML object) or, without one, from the query. */
async function deleteOptions(ctx: ResourceContext): Promise<DeleteOptions> {
  const text = await readBody(ctx.req);
  const body = text.length > 0 && text.toString("utf8").trim() !== "" ? decodeObject(ctx.req.headers.get("content-type"), text) : undefined;
  return readDeleteOptions(body, ctx.url.searchParams);
}

async function remove(ctx: ResourceContext): Promise<Response> {
  const opts = await deleteOptions(ctx);
  const { object, deleted } = await ctx.storage.delete(ctx.def, ctx.path.namespace, ctx.path.name!, opts, ctx.user);
  return json(object, deleted ? 200 : 202);
}

async function deleteCollection(ctx: ResourceContext): Promise<Response> {
  parseListOptions(ctx.url.searchParams);
  const opts = await deleteOptions(ctx);
  const filter = buildFilter(ctx.def, ctx.url);
  const items = (await ctx.storage.list(ctx.def, ctx.path.namespace, { filter, name: selectedName(fieldRequirements(ctx.url)) })).items;
  const out: KubeObject[] = [];
  for (const item of items) {
    try {
      out.push((await ctx.storage.delete(ctx.def, item.metadata.namespace, item.metadata.name!, opts, ctx.user)).object);
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === "NotFound")) throw e;
    }
  }
  const list = await ctx.storage.list(ctx.def, ctx.path.namespace, { limit: 1 });
  return json({ apiVersion: list.apiVersion, kind: list.kind, metadata: { resourceVersion: list.metadata.resourceVersion }, items: out });
}

async function scale(ctx: ResourceContext): Promise<Response> {
  const { def, path } = ctx;
  if (ctx.req.method === "GET") return json(getScale(def, await ctx.storage.get(def, path.namespace, path.name!)));
  const q = writeQuery(ctx.url, ctx.req.method === "PATCH" ? "PatchOptions" : "UpdateOptions");
  const text = await readBody(ctx.req);
  const contentType = ctx.req.headers.get("content-type");
  let mutate: (current: KubeObject) => KubeObject;
  if (ctx.req.method === "PUT") {
    const body = decodeObject(contentType, text);
    if (body.kind !== undefined && body.kind !== "Scale") throw errors.badRequest(`expected Scale, got ${body.kind}`);
    mutate = scaleMutation(def, () => body);
  } else if (ctx.req.method === "PATCH") {
    refuseStrategicMergeOfCustom(def, contentType ?? "");
    const body = decodeBody(contentType, text, ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"]);
    mutate = scaleMutation(def, (currentScale) => {
      const patched = applyPatch(contentType ?? "", currentScale, body, undefined) as any;
      // As for any patch: without a resourceVersion in it, it applies to whatever is current.
      if (!hasResourceVersion(body) && patched?.metadata) delete patched.metadata.resourceVersion;
      return patched;
    });
  } else {
    throw errors.methodNotAllowed("the server does not allow this method on the requested resource");
  }
  // The writer owns the replicas it set, as the apiserver records a scale: an Update of the
  // workload's spec.replicas with subresource "scale" (so a later apply of replicas conflicts).
  const manager = fieldManagerOf(ctx.req, q.fieldManager);
  const tracked = (current: KubeObject) => recordUpdate(def, q, manager, current, mutate(current), "scale");
  const { object } = await ctx.storage.update(def, path.namespace, path.name!, tracked, { dryRun: q.dryRun, user: ctx.user });
  return json(getScale(def, object));
}

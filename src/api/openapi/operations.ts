/**
 * The REST operations of served resources, in a neutral form that documents.ts renders as
 * OpenAPI v3 or v2. Each operation carries `x-kubernetes-group-version-kind` and
 * `x-kubernetes-action`: kubectl finds a kind's schema for `explain` through them, and decides
 * that the server validates fields itself when the kind's PATCH accepts `fieldValidation`.
 */
import type { ResourceInfo } from "../resources/types.ts";
import { definitionFor } from "./defs.ts";
import { customDefinitionFor } from "./custom-definitions.ts";
import { META_PREFIX } from "./model-names.ts";

export interface Param {
  name: string;
  in: "path" | "query";
  type: "string" | "boolean" | "integer";
  description: string;
  required?: boolean;
}

export interface Operation {
  method: "get" | "put" | "post" | "delete" | "patch";
  operationId: string;
  description: string;
  tag: string;
  action: string;
  gvk: { group: string; kind: string; version: string };
  params: Param[];
  /** Definition name of the request body; "patch" bodies take every patch content type. */
  body?: string;
  patch?: boolean;
  /** A custom resource's patch: Kubernetes takes no strategic merge patch for those, and kubectl picks its patch type from this list. */
  noStrategic?: boolean;
  /** Definition name of the response, or "string" for plain text (pod logs). */
  response?: string;
  responseCode: "200" | "201";
}

export interface PathItem {
  path: string;
  params: Param[];
  ops: Operation[];
}

const q = (name: string, type: Param["type"], description: string): Param => ({ name, in: "query", type, description });
const PRETTY = q("pretty", "string", "If 'true', then the output is pretty printed.");
const NAME: Param = { name: "name", in: "path", type: "string", description: "name of the resource", required: true };
const NAMESPACE: Param = { name: "namespace", in: "path", type: "string", description: "object name and auth scope, such as for teams and projects", required: true };
const DRY_RUN = q("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed");
const FIELD_MANAGER = q("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes.");
const FIELD_VALIDATION = q("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: drops unknown fields silently. - Warn: drops unknown fields and sends a warning header. This is the default. - Strict: fails the request with a BadRequest error on unknown or duplicate fields.");
const WRITE = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const PATCH = [...WRITE, q("force", "boolean", "Force is going to \"force\" Apply requests. It must be unset for non-apply patch requests.")];
const LIST = [
  q("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
  q("continue", "string", "The continue option should be set when retrieving more results from the server."),
  q("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
  q("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
  q("limit", "integer", "limit is a maximum number of responses to return for a list call."),
  q("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from."),
  q("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
  q("sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
  q("timeoutSeconds", "integer", "Timeout for the list/watch call."),
  q("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
];
const DELETE = [
  DRY_RUN,
  q("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted. Zero means delete immediately."),
  q("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7."),
  q("propagationPolicy", "string", "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
];
const LOG = [
  q("container", "string", "The container for which to stream logs."),
  q("follow", "boolean", "Follow the log stream of the pod."),
  q("limitBytes", "integer", "If set, the number of bytes to read from the server before terminating the log output."),
  q("previous", "boolean", "Return previous terminated container logs."),
  q("sinceSeconds", "integer", "A relative time in seconds before the current time from which to show logs."),
  q("tailLines", "integer", "If set, the number of lines from the end of the logs to show."),
  q("timestamps", "boolean", "If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output."),
];
const EXEC = [
  q("command", "string", "Command is the remote command to execute. argv array."),
  q("container", "string", "Container in which to execute the command."),
  q("stderr", "boolean", "Redirect the standard error stream of the pod for this call."),
  q("stdin", "boolean", "Redirect the standard input stream of the pod for this call."),
  q("stdout", "boolean", "Redirect the standard output stream of the pod for this call."),
  q("tty", "boolean", "TTY if true indicates that a tty will be allocated for the exec call."),
];

const STATUS = `${META_PREFIX}.Status`;
const DELETE_OPTIONS = `${META_PREFIX}.DeleteOptions`;
const PASCAL = (s: string) => s.replace(/(^|[.-])([a-z])/g, (_m, _sep, c: string) => c.toUpperCase()).replace(/[.-]/g, "");

/** "apps" → "AppsV1", "" → "CoreV1", "networking.k8s.io" → "NetworkingV1", as the apiserver names operations. */
function gvWord(group: string, version: string): string {
  const g = group === "" ? "core" : group.replace(/\.k8s\.io$/, "");
  return PASCAL(g) + PASCAL(version);
}

const SUB_KINDS: Record<string, { group: string; version: string; kind: string }> = {
  scale: { group: "autoscaling", version: "v1", kind: "Scale" },
  eviction: { group: "policy", version: "v1", kind: "Eviction" },
  binding: { group: "", version: "v1", kind: "Binding" },
};

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Path items of one resource and its subresources, cluster-wide list included. */
export function resourcePaths(r: ResourceInfo): PathItem[] {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const scope = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const scopeParams = r.namespaced ? [NAMESPACE] : [];
  const ns = r.namespaced ? "Namespaced" : "";
  const gvw = gvWord(r.group, r.version);
  const tag = `${r.group === "" ? "core" : r.group.replace(/\.k8s\.io$/, "").replace(/\./g, "_")}_${r.version}`;
  const gvk = { group: r.group, kind: r.kind, version: r.version };
  const defOf = (g: string, v: string, k: string) => customDefinitionFor(r, g, v, k) ?? definitionFor(g, v, k);
  const def = defOf(r.group, r.version, r.kind);
  const listDef = defOf(r.group, r.version, r.custom?.listKind ?? `${r.kind}List`);
  const verbs = new Set(r.verbs ?? ALL_VERBS);
  const op = (o: Omit<Operation, "tag" | "responseCode"> & { responseCode?: Operation["responseCode"] }): Operation => ({
    tag, responseCode: "200", ...o, ...(o.patch && r.custom ? { noStrategic: true } : {}),
  });
  const items: PathItem[] = [];

  const collection: Operation[] = [];
  if (verbs.has("list")) {
    collection.push(op({ method: "get", operationId: `list${gvw}${ns}${r.kind}`, description: `list or watch objects of kind ${r.kind}`, action: "list", gvk, params: LIST, response: listDef }));
  }
  if (verbs.has("create")) {
    collection.push(op({ method: "post", operationId: `create${gvw}${ns}${r.kind}`, description: `create a ${r.kind}`, action: "post", gvk, params: WRITE, body: def, response: def, responseCode: "201" }));
  }
  if (verbs.has("deletecollection")) {
    collection.push(op({ method: "delete", operationId: `deletecollection${gvw}${ns}${r.kind}`, description: `delete collection of ${r.kind}`, action: "deletecollection", gvk, params: [...DELETE, ...LIST], body: DELETE_OPTIONS, response: STATUS }));
  }
  if (collection.length) items.push({ path: scope, params: [...scopeParams, PRETTY], ops: collection });

  const one: Operation[] = [];
  if (verbs.has("get")) one.push(op({ method: "get", operationId: `read${gvw}${ns}${r.kind}`, description: `read the specified ${r.kind}`, action: "get", gvk, params: [], response: def }));
  if (verbs.has("update")) one.push(op({ method: "put", operationId: `replace${gvw}${ns}${r.kind}`, description: `replace the specified ${r.kind}`, action: "put", gvk, params: WRITE, body: def, response: def }));
  if (verbs.has("patch")) one.push(op({ method: "patch", operationId: `patch${gvw}${ns}${r.kind}`, description: `partially update the specified ${r.kind}`, action: "patch", gvk, params: PATCH, patch: true, response: def }));
  if (verbs.has("delete")) one.push(op({ method: "delete", operationId: `delete${gvw}${ns}${r.kind}`, description: `delete a ${r.kind}`, action: "delete", gvk, params: DELETE, body: DELETE_OPTIONS, response: STATUS }));
  if (one.length) items.push({ path: `${scope}/{name}`, params: [NAME, ...scopeParams, PRETTY], ops: one });

  if (r.namespaced && verbs.has("list")) {
    items.push({
      path: `${base}/${r.plural}`,
      params: [PRETTY],
      ops: [op({ method: "get", operationId: `list${gvw}${r.kind}ForAllNamespaces`, description: `list or watch objects of kind ${r.kind}`, action: "list", gvk, params: LIST, response: listDef })],
    });
  }

  for (const sub of r.subresources ?? []) {
    const Sub = PASCAL(sub);
    const id = `${gvw}${ns}${r.kind}${Sub}`;
    const params = [NAME, ...scopeParams, PRETTY];
    const path = `${scope}/{name}/${sub}`;
    if (sub === "status" || sub === "scale" || sub === "ephemeralcontainers") {
      const k = SUB_KINDS[sub] ?? gvk;
      const d = defOf(k.group, k.version, k.kind);
      items.push({ path, params, ops: [
        op({ method: "get", operationId: `read${id}`, description: `read ${sub} of the specified ${r.kind}`, action: "get", gvk: k, params: [], response: d }),
        op({ method: "put", operationId: `replace${id}`, description: `replace ${sub} of the specified ${r.kind}`, action: "put", gvk: k, params: WRITE, body: d, response: d }),
        op({ method: "patch", operationId: `patch${id}`, description: `partially update ${sub} of the specified ${r.kind}`, action: "patch", gvk: k, params: PATCH, patch: true, response: d }),
      ] });
    } else if (sub === "binding" || sub === "eviction") {
      const k = SUB_KINDS[sub]!;
      const d = definitionFor(k.group, k.version, k.kind);
      items.push({ path, params, ops: [
        op({ method: "post", operationId: `create${id}`, description: `create ${sub} of a ${r.kind}`, action: "post", gvk: k, params: WRITE, body: d, response: d, responseCode: "201" }),
      ] });
    } else if (sub === "finalize") {
      items.push({ path, params, ops: [
        op({ method: "put", operationId: `replace${id}`, description: `replace finalize of the specified ${r.kind}`, action: "put", gvk, params: WRITE, body: def, response: def }),
      ] });
    } else if (sub === "log") {
      items.push({ path, params, ops: [
        op({ method: "get", operationId: `read${id}`, description: `read log of the specified ${r.kind}`, action: "get", gvk, params: LOG, response: "string" }),
      ] });
    } else if (sub === "exec") {
      const connect = { group: r.group, kind: `${r.kind}ExecOptions`, version: r.version };
      items.push({ path, params: [NAME, ...scopeParams], ops: [
        op({ method: "get", operationId: `connectGet${id}`, description: `connect GET requests to exec of ${r.kind}`, action: "connect", gvk: connect, params: EXEC, response: "string" }),
        op({ method: "post", operationId: `connectPost${id}`, description: `connect POST requests to exec of ${r.kind}`, action: "connect", gvk: connect, params: EXEC, response: "string" }),
      ] });
    }
  }
  return items;
}

/** Definition names a set of path items refers to directly. */
export function referencedDefinitions(items: PathItem[]): Set<string> {
  const out = new Set<string>([STATUS, DELETE_OPTIONS, `${META_PREFIX}.WatchEvent`]);
  for (const item of items) {
    for (const o of item.ops) {
      if (o.body) out.add(o.body);
      if (o.response && o.response !== "string") out.add(o.response);
    }
  }
  return out;
}

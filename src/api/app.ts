/**
 * The API server's HTTP application (hono). Every request passes the same steps:
 * authenticate → authorize → route → (decode → default → validate → admit → store) → render.
 * The app is transport-free: tests call `app.fetch(request, { peer })` directly.
 */
import { Hono } from "hono";
import type { ResourceRegistry } from "./resources/registry.ts";
import type { ObjectStorage } from "./storage/object-storage.ts";
import type { Authenticator, Authorizer, PeerInfo, UserInfo } from "./auth/types.ts";
import { authenticate } from "./auth/authenticate.ts";
import { isPublicPath } from "./auth/public-paths.ts";
import { errors, StatusError } from "../model/errors.ts";
import type { NodeConnector } from "../tunnel/types.ts";
import type { UpgradeConnection } from "./transport/upgrade.ts";
import type { MetricsSource } from "../resource-metrics/types.ts";
import { json, statusResponse } from "./handlers/respond.ts";
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from "./discovery.ts";
import { parseResourcePath } from "./path.ts";
import { isWatch } from "./options/list-options.ts";
import { handleResource } from "./handlers/resource.ts";
import { metrics, registry as metricsRegistry, verbOf } from "./request-metrics.ts";
import { openapiV2Json, openapiV3GroupVersionJson, openapiV3Root } from "./openapi/index.ts";

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface ApiDeps {
  registry: ResourceRegistry;
  storage: ObjectStorage;
  authenticators: Authenticator[];
  authorizer: Authorizer;
  version: VersionInfo;
  /** The address clients should use, for /api's serverAddressByClientCIDRs. */
  advertiseAddress: string;
  /** Resolves once the server is ready to serve (store open, bootstrap objects in place). */
  ready: () => boolean;
  /**
   * Routes the server composes in beside the Kubernetes API, behind the same authentication
   * (node join, the cluster image store): the API knows nothing of those features.
   */
  extraRoutes?: ((app: Hono<{ Bindings: Env; Variables: Vars }>) => void)[];
  /** How nodes' agents are reached (pod logs); absent: every node is unreachable. */
  nodes?: NodeConnector;
  /** Nodes' and pods' usage for metrics.k8s.io; absent: none is known. */
  metrics?: MetricsSource;
}

/** What the transport hands to each request. */
export interface Env {
  peer: PeerInfo;
  signal?: AbortSignal;
  /** The raw connection of an HTTP upgrade request (pods/exec, attach, portforward take it). */
  upgrade?: UpgradeConnection;
  /** Who the transport already found this request to be (it authenticates before reading a body). */
  user?: UserInfo;
}

export type Vars = { user: UserInfo };

export function createApi(deps: ApiDeps): Hono<{ Bindings: Env; Variables: Vars }> {
  const app = new Hono<{ Bindings: Env; Variables: Vars }>();
  const { registry } = deps;

  app.onError((e) => statusResponse(e));
  app.notFound(() => statusResponse(new StatusError(404, "NotFound", "the server could not find the requested resource")));

  // Authentication (health and version are public, as with the apiserver's anonymous access).
  app.use("*", async (c, next) => {
    const path = c.req.path;
    if (isPublicPath(path)) return next();
    const user = c.env?.user ?? await authenticate(deps.authenticators, c.req.raw, c.env?.peer ?? { authorized: false });
    if (!user) return statusResponse(errors.unauthorized());
    c.set("user", user);
    return next();
  });

  app.get("/version", (c) => c.json(deps.version));
  for (const register of deps.extraRoutes ?? []) register(app);
  const health = (c: any) => (deps.ready() ? c.text("ok") : c.text("not ready", 503));
  app.get("/healthz", health);
  app.get("/livez", (c) => c.text("ok"));
  app.get("/readyz", health);
  app.get("/metrics", async (c) => {
    const s = deps.storage.stats();
    metrics.storeRevision.set(s.revision);
    metrics.storeSize.set(s.sizeBytes);
    if (s.dbBytes !== undefined) metrics.storeDbSize.set(s.dbBytes);
    if (s.walBytes !== undefined) metrics.storeWalSize.set(s.walBytes);
    metrics.storeCompactRevision.set(s.compactRevision);
    metrics.storeKeys.set(s.keys);
    return c.body(await metricsRegistry.metrics(), 200, { "content-type": metricsRegistry.contentType });
  });

  app.get("/api", (c) => {
    const agg = wantsAggregated(c.req.header("accept") ?? null);
    if (agg) return discoveryResponse(aggregatedDiscovery(registry, true, `apidiscovery.k8s.io/${agg}`), agg);
    return c.json(apiVersions(deps.advertiseAddress));
  });
  app.get("/apis", (c) => {
    const agg = wantsAggregated(c.req.header("accept") ?? null);
    if (agg) return discoveryResponse(aggregatedDiscovery(registry, false, `apidiscovery.k8s.io/${agg}`), agg);
    return c.json(apiGroupList(registry));
  });
  app.get("/api/v1", (c) => c.json(apiResourceList(registry, "", "v1")!));
  app.get("/apis/:group", (c) => {
    const versions = registry.groups().get(c.req.param("group"));
    if (!versions) throw new StatusError(404, "NotFound", "the server could not find the requested resource");
    return c.json(apiGroup(c.req.param("group"), versions));
  });
  app.get("/apis/:group/:version", (c) => {
    const list = apiResourceList(registry, c.req.param("group"), c.req.param("version"));
    if (!list) throw new StatusError(404, "NotFound", "the server could not find the requested resource");
    return c.json(list);
  });

  // Documents are rendered once and served as cached JSON text (hundreds of KiB each).
  const jsonText = (text: string, headers: Record<string, string> = {}) =>
    new Response(text, { headers: { "content-type": "application/json", ...headers } });
  app.get("/openapi/v2", (c) => {
    // kubectl may ask for the protobuf form; we only have JSON, and say so rather than mislabel it.
    const accept = c.req.header("accept") ?? "";
    if (accept && !/json|\*\/\*/.test(accept)) throw errors.notAcceptable("only application/json is available for /openapi/v2");
    return jsonText(openapiV2Json(registry.all));
  });
  app.get("/openapi/v3", (c) => c.json(openapiV3Root(registry.all)));
  app.get("/openapi/v3/*", (c) => {
    const rest = c.req.path.slice("/openapi/v3/".length).split("/");
    let doc: string | undefined;
    if (rest[0] === "api" && rest.length === 2) doc = openapiV3GroupVersionJson("", rest[1]!, registry.all);
    else if (rest[0] === "apis" && rest.length === 3) doc = openapiV3GroupVersionJson(rest[1]!, rest[2]!, registry.all);
    if (!doc) throw new StatusError(404, "NotFound", "the server could not find the requested resource");
    // The hash pins the content, so clients may cache it for good.
    return jsonText(doc, c.req.query("hash") ? { "cache-control": "public, immutable" } : {});
  });

  const resource = async (c: any) => {
    const started = performance.now();
    const url = new URL(c.req.url);
    let path: ReturnType<typeof parseResourcePath>;
    try {
      path = parseResourcePath(url.pathname);
    } catch (e) {
      return statusResponse(e);
    }
    let code = 500;
    const watch = !!path && isWatch(url.searchParams, path.watchPath);
    const verb = verbOf(c.req.method, !!path?.name, watch);
    try {
      if (!path) throw new StatusError(404, "NotFound", "the server could not find the requested resource");
      const def = registry.find(path.group, path.version, path.resource);
      if (!def) throw new StatusError(404, "NotFound", "the server could not find the requested resource");
      const user = c.get("user") as UserInfo;
      const decision = deps.authorizer.authorize({
        user, verb: verb.toLowerCase(), group: path.group, resource: path.resource, subresource: path.subresource,
        namespace: path.namespace, name: path.name, path: url.pathname,
      });
      if (!decision.allowed) {
        throw errors.forbidden(`${path.resource} is forbidden: User "${user.user}" cannot ${verb.toLowerCase()} resource "${path.resource}" in API group "${path.group}"${path.namespace ? ` in the namespace "${path.namespace}"` : " at the cluster scope"}`);
      }
      const signal: AbortSignal = c.env?.signal ?? c.req.raw.signal;
      const res = await handleResource({ storage: deps.storage, def, registry, path, req: c.req.raw, url, signal, nodes: deps.nodes, metrics: deps.metrics, upgrade: c.env?.upgrade });
      code = res.status;
      return res;
    } catch (e) {
      const res = statusResponse(e);
      code = res.status;
      return res;
    } finally {
      metrics.requests.inc({ verb, resource: path?.resource ?? "", subresource: path?.subresource ?? "", code: String(code) });
      if (!watch) metrics.latency.observe({ verb, resource: path?.resource ?? "" }, (performance.now() - started) / 1000);
    }
  };
  app.all("/api/*", resource);
  app.all("/apis/*", resource);
  return app;
}

function discoveryResponse(body: object, version: string): Response {
  return json(body, 200, {
    "content-type": `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    vary: "Accept",
  });
}

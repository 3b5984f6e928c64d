/**
 * The API server's HTTP application (hono). Every request passes the same steps:
 * authenticate → authorize → route → (decode → default → validate → admit → store) → render.
 * The app is transport-free: tests call `app.fetch(request, { peer })` directly.
 */
import { Hono } from "hono";
import type { ResourceRegistry } from "./resources/registry.ts";
import type { ObjectStorage } from "./storage/object-storage.ts";
import type { Authenticator, AuthorizationRequest, Authorizer, PeerInfo, ReviewDeps, UserInfo } from "./auth/types.ts";
import type { AuditLog, RequestAudit } from "./audit/audit-log.ts";
import { observeBody, type Captured } from "./audit/observe-body.ts";
import { readCapped } from "../http/read-capped.ts";
import { sourceIPs } from "./audit/source-ips.ts";
import { auditFailedAuthentication } from "./audit/failed-authentication.ts";
import { MAX_BODY_BYTES } from "../http/limits.ts";
import { log } from "../log.ts";
import { ANONYMOUS } from "./auth/authenticate.ts";
import { authenticateLimited } from "./auth/limited-authenticate.ts";
import type { AuthFailureLimiter } from "./auth/failure-limiter.ts";
import { isPublicPath } from "./auth/public-paths.ts";
import { attributesOf, forbidden } from "./auth/attributes.ts";
import { impersonate } from "./auth/impersonation.ts";
import type { ServiceAccountTokens } from "./auth/serviceaccount/tokens.ts";
import { errors, isStatusError, StatusError } from "../model/errors.ts";
import type { NodeConnector } from "../tunnel/types.ts";
import type { UpgradeConnection } from "./transport/upgrade.ts";
import type { MetricsSource } from "../resource-metrics/types.ts";
import { json, statusResponse } from "./handlers/respond.ts";
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from "./discovery.ts";
import { parseResourcePath, type ResourcePath } from "./path.ts";
import { isWatch } from "./options/list-options.ts";
import { handleResource } from "./handlers/resource.ts";
import { metrics, registry as metricsRegistry, verbOf } from "./request-metrics.ts";
import { OPENAPI_V2_PROTOBUF, openapiV2ETag, openapiV2Encoding, openapiV2Json, openapiV2ProtobufBytes, openapiV3GroupVersionJson, openapiV3Root } from "./openapi/index.ts";
import { gunzipCapped } from "../http/gzip-body.ts";

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
  /** What the review resources and impersonation ask (rules, token authentication). */
  reviews?: ReviewDeps;
  /** Service-account tokens: TokenRequest, and the issuer's discovery documents. */
  tokens?: ServiceAccountTokens;
  /** Where every request is recorded (`--audit-log-path`); absent: no audit log. */
  audit?: AuditLog;
  /** The per-source budget of failed authentications (429 past it); absent: every failure is a 401. */
  authFailures?: AuthFailureLimiter;
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

export type Vars = { user: UserInfo; url: URL; resourcePath: { path: ResourcePath | undefined } };

/** The request's resource path, parsed once for authorization and the handler (a 400 for a bad escape). */
function requestPath(c: { get(k: "resourcePath"): Vars["resourcePath"] | undefined; set(k: "resourcePath", v: Vars["resourcePath"]): void }, url: URL): ResourcePath | undefined {
  let parsed = c.get("resourcePath");
  if (!parsed) c.set("resourcePath", (parsed = { path: parseResourcePath(url.pathname) }));
  return parsed.path;
}

export function createApi(deps: ApiDeps): Hono<{ Bindings: Env; Variables: Vars }> {
  // strict: false — a trailing slash names the same route (`/version/`, `/api/v1/`), as the
  // apiserver's discovery and version handlers accept it; clients (the Python client) send it.
  const app = new Hono<{ Bindings: Env; Variables: Vars }>({ strict: false });
  const { registry } = deps;

  app.onError((e) => statusResponse(e));
  app.notFound(() => statusResponse(new StatusError(404, "NotFound", "the server could not find the requested resource")));

  // Authentication (health and version are public, as with the apiserver's anonymous access),
  // the audit record, impersonation and authorization, in the apiserver's filter order.
  app.use("*", async (c, next) => {
    const received = new Date();
    const url = new URL(c.req.url);
    c.set("url", url);
    const peer: PeerInfo = c.env?.peer ?? { authorized: false };
    let audit: RequestAudit | undefined;
    const begin = async (user: UserInfo) => {
      if (!deps.audit) return;
      try {
        const attrs = attributesOf(user, c.req.method, url, requestPath(c, url));
        audit = deps.audit.begin({ attrs, requestURI: url.pathname + url.search, userAgent: c.req.header("user-agent"), sourceIPs: sourceIPs(c.req.raw.headers, peer.address), received, longRunning: isLongRunning(attrs) });
        // Read to the transport's body limit (it is in memory already): a body too big to log still names its object.
        if (audit?.wantsRequestBody) audit.requestBody(await auditedRequestBody(c.req.raw, MAX_BODY_BYTES), c.req.header("content-type") ?? null);
      } catch (e) {
        // The audit never costs the request its answer.
        log.warn("audit: recording a request failed", { path: url.pathname, error: String(e) });
      }
    };
    try {
      if (isPublicPath(c.req.path)) {
        c.set("user", ANONYMOUS);
        await begin(ANONYMOUS);
      } else {
        let user: UserInfo | undefined;
        try {
          user = c.env?.user ?? (await authenticateLimited(deps.authenticators, c.req.raw, peer, deps.authFailures));
        } catch (e) {
          if (isStatusError(e)) auditFailedAuthentication(deps.audit, c.req.raw, peer, e.code, received);
          throw e;
        }
        if (!user) {
          auditFailedAuthentication(deps.audit, c.req.raw, peer, 401, received);
          throw errors.unauthorized();
        }
        await begin(user);
        // Impersonation (kubectl --as) is authorized for the real user; the rest of the request runs as the one impersonated.
        const effective = impersonate(c.req.raw.headers, user, deps.authorizer);
        if (effective !== user) audit?.impersonated(effective);
        c.set("user", effective);
        // Authorization of every request — resources, subresources and plain paths alike — before
        // any handler runs (extra routes included).
        const attrs = attributesOf(effective, c.req.method, url, requestPath(c, url));
        const d = deps.authorizer.authorize(attrs);
        audit?.authorized(d.allowed ? "allow" : "forbid", d.reason);
        if (!d.allowed) throw forbidden(attrs, d.reason);
      }
    } catch (e) {
      return audited(audit, statusResponse(e));
    }
    await next();
    if (!audit) return;
    if (c.error && !(c.error instanceof StatusError)) audit.panic(c.error);
    else c.res = audited(audit, c.res);
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
    if (s.historyBytes !== undefined) metrics.storeHistoryBytes.set(s.historyBytes);
    if (s.dataBytes !== undefined) metrics.storeDataBytes.set(s.dataBytes);
    if (s.quotaBytes !== undefined) metrics.storeQuotaBytes.set(s.quotaBytes);
    if (s.writable !== undefined) metrics.storeWritesRefused.set(s.writable ? 0 : 1);
    return c.body(await metricsRegistry.metrics(), 200, { "content-type": metricsRegistry.contentType });
  });

  // The service-account issuer's OIDC discovery, so others can verify our tokens (authorized as
  // non-resource paths: system:service-account-issuer-discovery).
  if (deps.tokens) {
    const tokens = deps.tokens;
    app.get("/.well-known/openid-configuration", (c) => c.json(tokens.openidConfiguration()));
    app.get("/openid/v1/jwks", (c) => c.json(tokens.jwks(), 200, { "content-type": "application/jwk-set+json" }));
  }

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
    // kubectl asks for gnostic's protobuf form only (no JSON fallback); both forms share one ETag.
    const encoding = openapiV2Encoding(c.req.header("accept"));
    if (!encoding) throw errors.notAcceptable(`only application/json and ${OPENAPI_V2_PROTOBUF} are available for /openapi/v2`);
    const etag = openapiV2ETag(registry.all);
    const headers = { etag, vary: "Accept" };
    if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
    if (encoding === "json") return jsonText(openapiV2Json(registry.all), headers);
    return new Response(openapiV2ProtobufBytes(registry.all), { headers: { "content-type": OPENAPI_V2_PROTOBUF, ...headers } });
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
    const url: URL = c.get("url") ?? new URL(c.req.url);
    let path: ResourcePath | undefined;
    try {
      path = requestPath(c, url);
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
      const signal: AbortSignal = c.env?.signal ?? c.req.raw.signal;
      const res = await handleResource({ storage: deps.storage, def, registry, path, req: c.req.raw, url, signal, nodes: deps.nodes, metrics: deps.metrics, upgrade: c.env?.upgrade, user, reviews: deps.reviews, tokens: deps.tokens });
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

/** Watches and streams: the apiserver's long-running requests (ResponseStarted, no response body in the audit log). */
function isLongRunning(a: AuthorizationRequest): boolean {
  return a.verb === "watch" || (a.subresource !== undefined && ["log", "exec", "attach", "portforward", "proxy"].includes(a.subresource));
}

/** A copy of a JSON or YAML request body for the audit log (an upload of another type is never read twice). */
async function auditedRequestBody(req: Request, maxBytes: number): Promise<Captured> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (req.method === "GET" || req.method === "HEAD" || !req.body || !/(json|yaml)$/.test(type)) return new Uint8Array();
  return readCapped(req.clone().body, maxBytes);
}

/**
 * `res`, with the audit's ResponseStarted told now for a stream and ResponseComplete when its
 * body ends (with the copy the level asks for); a response without a body completes at once.
 */
function audited(audit: RequestAudit | undefined, res: Response): Response {
  if (!audit) return res;
  try {
    if (audit.longRunning) audit.started(res.status);
    const capture = audit.responseCaptureBytes(res.status);
    if (!res.body || (capture === 0 && !audit.longRunning)) {
      audit.complete(res.status);
      return res;
    }
    const type = res.headers.get("content-type");
    const gzipped = res.headers.get("content-encoding") === "gzip";
    const body = observeBody(res.body, capture, (copy) => {
      try {
        audit.complete(res.status, gzipped && copy instanceof Uint8Array ? gunzipCapped(copy, capture) : copy, type);
      } catch (e) {
        log.warn("audit: recording a response failed", { error: String(e) });
      }
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  } catch (e) {
    log.warn("audit: recording a response failed", { error: String(e) });
    return res;
  }
}

function discoveryResponse(body: object, version: string): Response {
  return json(body, 200, {
    "content-type": `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    vary: "Accept",
  });
}

/**
 * The request handler of the ingress's Bun.serve: route by host and path, pick a ready
 * endpoint of the backend Service, and relay. Plain requests go through Bun's `fetch`, which
 * keeps HTTP/1.1 connections to backends alive and pools them; bodies stream both ways (a
 * server-sent event stream reaches the client as each event arrives). Compressed bodies pass
 * as they are (`decompress: false`).
 *
 * Answers of its own: 404 when no rule and no defaultBackend matches, 503 when the backend
 * Service, its port or a ready endpoint is missing, 502 when every endpoint tried failed.
 * A failed attempt is retried on another endpoint, at most three in all, when that is safe: the
 * connection was refused (nothing reached the backend) and the body was not read, or a
 * body-less GET/HEAD/OPTIONS lost its connection before a response head (nginx's
 * `proxy_next_upstream error` does the same; busybox httpd behind a load resets a few). A backend that sends no
 * response head within 60 s (nginx's proxy_read_timeout; also what bounds a connection to an
 * address nobody answers) gets the client a 504.
 */
import type { BackendTable } from "./backend-table.ts";
import { type ClientFacts, stripResponseHopByHop, upstreamRequestHeaders } from "./forward-headers.ts";
import type { IngressMetrics } from "./metrics.ts";
import type { RouteTable } from "./route-table.ts";
import { type IngressServer, proxyWebSocket } from "./websocket-proxy.ts";

export interface HandlerDeps {
  routes: RouteTable;
  backends: BackendTable;
  metrics: IngressMetrics;
  /** how long a backend may take to send its response head (default 60000) */
  responseHeadTimeoutMs?: number;
}

const MAX_ATTEMPTS = 3;

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

export function ingressHandler(deps: HandlerDeps, proto: "http" | "https") {
  const { routes, backends, metrics } = deps;
  const headTimeoutMs = deps.responseHeadTimeoutMs ?? 60_000;
  const answer = (status: number, text: string) => {
    metrics.request(status);
    return plain(status, text);
  };
  return async function handle(req: Request, server: IngressServer): Promise<Response | undefined> {
    const url = new URL(req.url);
    const m = routes.match(req.headers.get("host"), url.pathname);
    if (!m) {
      metrics.error("no_route");
      return answer(404, "404 page not found");
    }
    const ref = m.route.backend;
    if (!ref) {
      metrics.error("no_service");
      return answer(503, "503 Service Unavailable: the Ingress backend is not a Service");
    }
    const client: ClientFacts = { ip: server.requestIP(req)?.address ?? "", proto, port: server.port ?? 0 };
    let exclude: Set<string> | undefined;
    const hasBody = req.body !== null;
    const repeatable = !hasBody && (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS");
    for (let attempt = 1; ; attempt++) {
      const t = backends.pick(ref, exclude);
      if (typeof t === "string") {
        if (exclude) return answer(502, "502 Bad Gateway: no endpoint of the backend accepted the connection");
        metrics.error(t === "no-service" ? "no_service" : "no_endpoints");
        return answer(503, t === "no-service" ? `503 Service Unavailable: Service ${ref.namespace}/${ref.service} port ${ref.port} not found` : `503 Service Unavailable: no ready endpoint for Service ${ref.namespace}/${ref.service}`);
      }
      if (req.headers.get("upgrade")?.toLowerCase() === "websocket") return proxyWebSocket(req, server, t, url, client, metrics);
      const headers = upstreamRequestHeaders(req.headers, client);
      // Bun's fetch would otherwise ask for gzip/br on the client's behalf and, with
      // decompression off, hand it a body it never asked for.
      headers["accept-encoding"] ??= "identity";
      const length = hasBody ? Number(req.headers.get("content-length") ?? 0) : 0;
      const started = performance.now();
      // One signal for the client going away and for the head timeout; the timer stops once
      // the head is in, so a long body (a stream) is never cut by it.
      const upstream = new AbortController();
      const onClientGone = () => upstream.abort();
      req.signal.addEventListener("abort", onClientGone, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        upstream.abort();
      }, headTimeoutMs);
      let res: Response;
      try {
        res = await fetch(`http://${t.key}${url.pathname}${url.search}`, {
          method: req.method,
          headers,
          body: req.body,
          redirect: "manual",
          signal: upstream.signal,
          decompress: false,
        } as RequestInit);
      } catch (e) {
        if (timedOut) {
          metrics.error("upstream_timeout");
          return answer(504, `504 Gateway Timeout: no response from ${t.key} within ${headTimeoutMs / 1000} s`);
        }
        if (req.signal.aborted) return undefined;
        const refused = (e as { code?: string }).code === "ConnectionRefused" || (e as { code?: string }).code === "ECONNREFUSED";
        metrics.error(refused ? "upstream_connect" : "upstream_error");
        if (((refused && !hasBody) || repeatable) && attempt < MAX_ATTEMPTS) {
          (exclude ??= new Set()).add(t.key);
          continue;
        }
        return answer(502, `502 Bad Gateway: ${(e as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      metrics.upstreamLatency.observe((performance.now() - started) / 1000);
      if (length > 0) metrics.addBytes("in", length);
      metrics.request(res.status);
      const outLength = res.headers.get("content-length");
      if (outLength !== null) metrics.addBytes("out", Number(outLength));
      // Bun's idle timeout also runs while a response streams (measured: a stream quiet for
      // longer was reset); a body of unknown length (SSE, long polls) may be quiet for long.
      else server.timeout(req, 0);
      stripResponseHopByHop(res.headers);
      return res;
    }
  };
}

/**
 * The kubelet API of the agent (what the kubelet serves on :10250): what the API server asks of a node —
 * container logs, resource metrics, and exec, attach and port-forward as HTTP upgrades
 * (streaming.ts). It listens on no port: each connection is a stream the server opened
 * through the tunnel, handed to node:http, so nothing on the node's network (or another
 * local user) can reach it.
 *
 * @example
 *   const api = createKubeletApi({ podByName, runtime, logRoot });
 *   new TunnelClient({ …, serve: (stream) => api.serveConnection(stream) }).start();
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import { Hono } from "hono";
import type client from "prom-client";
import { nodeListener } from "../../http/node-fetch.ts";
import { containerLogs, text, type ContainerLogsDeps } from "./container-logs.ts";
import { handleStreamingUpgrade, writeText, type StreamingDeps } from "./streaming.ts";
import { resourceMetrics, type ResourceMetricsDeps } from "./resource-metrics.ts";
import { log } from "../../log.ts";

export type KubeletApiDeps = ContainerLogsDeps & ResourceMetricsDeps & StreamingDeps & {
  /** The node's Prometheus registry (service proxy, cluster DNS) for `/metrics`, as the kubelet's :10250/metrics. */
  metrics?: client.Registry;
};

export interface KubeletApi {
  /** The routes, transport-free (tests call `app.fetch`). */
  app: Hono;
  /** Serves HTTP on one connection (a tunnel stream). */
  serveConnection(stream: Duplex): void;
  /** Connections open now (a follow that ended, or whose client left, is gone from here). */
  readonly connections: number;
  close(): void;
}

export function createKubeletApi(deps: KubeletApiDeps): KubeletApi {
  const app = new Hono();
  app.onError((e) => {
    log.warn("agent api: request failed", { error: String(e) });
    return text(500, e instanceof Error ? e.message : String(e));
  });
  app.notFound(() => text(404, "404 page not found"));
  app.get("/healthz", () => text(200, "ok"));
  app.get("/metrics/resource", () => resourceMetrics(deps));
  const registry = deps.metrics;
  if (registry) app.get("/metrics", async () => new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } }));
  app.get("/containerLogs/:namespace/:pod/:container", (c) =>
    containerLogs(deps, c.req.raw, c.req.param("namespace"), c.req.param("pod"), c.req.param("container")),
  );
  const server = http.createServer({ keepAliveTimeout: 65_000 } as any, nodeListener((req) => app.fetch(req)));
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!handleStreamingUpgrade(deps, req, socket, head)) writeText(socket, 404, "404 page not found");
  });
  const open = new Set<Duplex>();
  return {
    app,
    serveConnection(stream) {
      open.add(stream);
      stream.once("close", () => open.delete(stream));
      // A broken connection is that request's end, not the agent's.
      stream.on("error", (e) => log.debug("agent api: connection error", { error: String(e) }));
      server.emit("connection", stream);
    },
    get connections() {
      return open.size;
    },
    close() {
      for (const s of open) s.destroy();
      server.close();
    },
  };
}

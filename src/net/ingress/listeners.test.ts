/**
 * The listeners on loopback (127.0.0.64): idle limits that close idle clients but not quiet
 * streams, and bind failures retried.
 */
import { afterAll, expect, test } from "bun:test";
import client from "prom-client";
import { BackendTable } from "./backend-table.ts";
import { IngressListeners } from "./listeners.ts";
import { IngressMetrics } from "./metrics.ts";
import { RouteTable } from "./route-table.ts";
import { ingress, service, slice } from "./test-objects.ts";

const IP = "127.0.0.64";
const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

// Bun checks idle sockets every few seconds (a 2 s limit cut a stream after 4.1 s, measured),
// so the quiet gap is 5 s against a 1 s limit.
test("a stream quieter than the idle timeout is not cut: a 1 s idle limit, events 5 s apart", async () => {
  const backend = Bun.serve({
    hostname: IP,
    port: 0,
    idleTimeout: 0,
    fetch() {
      const body = new ReadableStream({
        async start(c) {
          c.enqueue(new TextEncoder().encode("data: 0\n\n"));
          await Bun.sleep(5000);
          c.enqueue(new TextEncoder().encode("data: 1\n\n"));
          c.close();
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  });
  cleanup.push(() => backend.stop(true));
  const routes = new RouteTable();
  const backends = new BackendTable();
  backends.upsertService(service("sse", [{ port: 80 }]));
  backends.upsertSlice(slice("sse", [{ port: backend.port! }], [{ ip: IP }]));
  routes.upsert(ingress("i", { paths: [{ path: "/", service: "sse" }] }));
  const l = new IngressListeners({ http: [{ hostname: IP, port: 0 }], https: [], routes, backends, metrics: new IngressMetrics(new client.Registry()), idleTimeoutSeconds: 1 });
  l.open();
  cleanup.push(() => l.close());
  const res = await fetch(`http://${IP}:${l.port("http")}/`);
  expect(await res.text()).toBe("data: 0\n\ndata: 1\n\n");
}, 15_000);

test("a port already taken is retried until it is free", async () => {
  const squatter = Bun.listen({ hostname: IP, port: 0, socket: { data() {} } });
  const port = squatter.port;
  const l = new IngressListeners({ http: [{ hostname: IP, port }], https: [], routes: new RouteTable(), backends: new BackendTable(), metrics: new IngressMetrics(new client.Registry()), bindRetryMs: 50 });
  cleanup.push(() => l.close());
  l.open();
  expect(l.port("http")).toBeUndefined();
  expect(l.state()[0]!.error).toBeTruthy();
  squatter.stop(true);
  for (let i = 0; i < 100 && l.port("http") === undefined; i++) await Bun.sleep(20);
  expect(l.port("http")).toBe(port);
  expect((await fetch(`http://${IP}:${port}/`)).status).toBe(404);
});

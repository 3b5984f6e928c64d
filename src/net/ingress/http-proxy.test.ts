/**
 * The request handler alone, called with web-standard Requests (no ingress listener) against
 * Bun.serve backends on 127.0.0.63: answers of its own, retries, timeouts, encodings.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import client from "prom-client";
import type { Server } from "bun";
import { BackendTable } from "./backend-table.ts";
import { ingressHandler } from "./http-proxy.ts";
import { IngressMetrics } from "./metrics.ts";
import { RouteTable } from "./route-table.ts";
import { ingress, service, slice } from "./test-objects.ts";
import type { IngressServer } from "./websocket-proxy.ts";

const IP = "127.0.0.63";
let live: Server<undefined>;
let hanging: Server<undefined>;
let dead: number;
const closers: (() => void)[] = [];
const routes = new RouteTable();
const backends = new BackendTable();
const metrics = new IngressMetrics(new client.Registry());
const handle = ingressHandler({ routes, backends, metrics, responseHeadTimeoutMs: 200 }, "http");
const fakeServer = { requestIP: () => ({ address: "192.0.2.1", family: "IPv4", port: 1234 }), port: 80, timeout() {} } as unknown as IngressServer;

beforeAll(async () => {
  live = Bun.serve({
    hostname: IP,
    port: 0,
    fetch(req) {
      if (new URL(req.url).pathname === "/gz" && req.headers.get("accept-encoding")?.includes("gzip"))
        return new Response(gzipSync("compressed body"), { headers: { "content-encoding": "gzip" } });
      return new Response(`live accept-encoding=${req.headers.get("accept-encoding")}`);
    },
  });
  hanging = Bun.serve({ hostname: IP, port: 0, fetch: () => new Promise<Response>(() => {}) });
  // A port that was just free: connecting to it is refused.
  const probe = Bun.listen({ hostname: IP, port: 0, socket: { data() {} } });
  dead = probe.port;
  probe.stop(true);
  const add = (name: string, ports: number[]) => {
    backends.upsertService(service(name, [{ port: 80 }]));
    ports.forEach((p, i) => backends.upsertSlice(slice(name, [{ port: p }], [{ ip: IP }], { name: `${name}-${i}` })));
  };
  add("live", [live.port!]);
  add("dead", [dead]);
  add("half", [dead, live.port!]);
  add("hanging", [hanging.port!]);
  // Reads the request, then closes without a response (a backend dying mid-request).
  const resetter = Bun.listen({ hostname: IP, port: 0, socket: { data: (sock) => void sock.end() } });
  closers.push(() => resetter.stop(true));
  add("flaky", [resetter.port, live.port!]);
  backends.upsertService(service("empty", [{ port: 80 }]));
  routes.upsert(ingress("i", { host: "h.test", paths: ["live", "dead", "half", "hanging", "empty", "flaky"].map((s) => ({ path: `/${s}`, service: s })).concat([{ path: "/gz", service: "live" }]) }));
});

afterAll(() => {
  for (const c of closers) c();
  live.stop(true);
  hanging.stop(true);
});

async function call(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers; bytes: Uint8Array }> {
  const res = (await handle(new Request(`http://h.test${path}`, { headers: { host: "h.test", ...headers } }), fakeServer))!;
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, text: new TextDecoder().decode(bytes), headers: res.headers, bytes };
}

test.each([
  ["/nothing", 404, /404 page not found/],
  ["/empty", 503, /no ready endpoint for Service default\/empty/],
  ["/dead", 502, /no endpoint of the backend accepted the connection/],
  ["/hanging", 504, /504 Gateway Timeout/],
])("%s → %i", async (path, status, text) => {
  const r = await call(path);
  expect(r.status).toBe(status);
  expect(r.text).toMatch(text);
});

test("a refused endpoint is skipped for another: every request reaches the live one", async () => {
  const got = await Promise.all([1, 2, 3, 4].map(() => call("/half")));
  expect(got.map((r) => r.status)).toEqual([200, 200, 200, 200]);
});

test("no Accept-Encoding from the client: the backend is asked for identity, not Bun's gzip default", async () => {
  expect((await call("/live")).text).toBe("live accept-encoding=identity");
  expect((await call("/live", { "accept-encoding": "br" })).text).toBe("live accept-encoding=br");
});

test("a compressed response passes as it is, Content-Encoding kept", async () => {
  const r = await call("/gz", { "accept-encoding": "gzip" });
  expect(r.status).toBe(200);
  expect(r.headers.get("content-encoding")).toBe("gzip");
  expect(Buffer.from(r.bytes).equals(gzipSync("compressed body"))).toBe(true);
});

test("a GET whose connection is lost before the response head is retried elsewhere; a POST with a body is not", async () => {
  const gets = await Promise.all([1, 2, 3, 4].map(() => call("/flaky")));
  expect(gets.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  const post = () => handle(new Request("http://h.test/flaky", { method: "POST", headers: { host: "h.test" }, body: "payload" }), fakeServer).then((r) => r!.status);
  // round-robin over two endpoints: one of two posts meets the one that drops it
  expect((await Promise.all([post(), post()])).sort()).toEqual([200, 502]);
});

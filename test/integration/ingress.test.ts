/**
 * The Ingress controller end to end on loopback: an in-process API server, the node's
 * controller started as the agent starts it (`startIngress` over REST informers) on
 * 127.0.0.60 with free ports, and plain Bun.serve servers on 127.0.0.61 standing in as pods
 * (EndpointSlices point at them). No real pods, no root.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { connect as tlsConnect } from "node:tls";
import client from "prom-client";
import type { Server } from "bun";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { startIngress } from "../../src/net/ingress/start-ingress.ts";
import type { IngressController } from "../../src/net/ingress/ingress-controller.ts";
import { ingress, service, slice, tlsSecret } from "../../src/net/ingress/test-objects.ts";
import { createCa, issueServingCert } from "../../src/pki/index.ts";

const INGRESS_IP = "127.0.0.60";
const POD_IP = "127.0.0.61";

let api: TestApi;
let ctl: IngressController;
const registry = new client.Registry();
const stop = new AbortController();
const backends: Server<{ host: string | null }>[] = [];
let httpPort = 0;
let httpsPort = 0;
/** released by the SSE test once the first event has arrived */
let releaseStream: () => void = () => {};

async function ok(res: Promise<{ status: number; body: any }>, ...codes: number[]) {
  const r = await res;
  if (!(codes.length ? codes : [200, 201]).includes(r.status)) throw new Error(`setup call failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A pod stand-in: answers with its name, the path and the request headers it saw. */
function backend(name: string): Server<{ host: string | null }> {
  const srv = Bun.serve<{ host: string | null }>({
    hostname: POD_IP,
    port: 0,
    idleTimeout: 0,
    fetch(req, s) {
      const url = new URL(req.url);
      if (url.pathname === "/ws") {
        const proto = req.headers.get("sec-websocket-protocol")?.split(",")[0]?.trim();
        return s.upgrade(req, { data: { host: req.headers.get("host") }, headers: proto ? { "sec-websocket-protocol": proto } : {} }) ? undefined : new Response("no", { status: 400 });
      }
      if (url.pathname === "/events") {
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        releaseStream = release;
        const body = new ReadableStream({
          async start(c) {
            c.enqueue(new TextEncoder().encode("data: first\n\n"));
            await released;
            c.enqueue(new TextEncoder().encode("data: last\n\n"));
            c.close();
          },
        });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      }
      return Response.json({ name, path: url.pathname + url.search, headers: Object.fromEntries(req.headers) });
    },
    websocket: {
      open(ws) {
        ws.send(`hello from ${name} for ${ws.data.host}`);
      },
      message(ws, m) {
        ws.send(`echo:${m}`);
      },
    },
  });
  backends.push(srv);
  return srv;
}

async function expose(name: string, srv: Server<{ host: string | null }> | undefined, ports: { name?: string; port: number }[] = [{ name: "http", port: 80 }], ns = "default") {
  await ok(api.json("POST", `/api/v1/namespaces/${ns}/services`, service(name, ports, ns)));
  if (srv) await ok(api.json("POST", `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, slice(name, ports.map((p) => ({ name: p.name, port: srv.port! })), [{ ip: POD_IP }], { ns })));
}

async function get(host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${INGRESS_IP}:${httpPort}${path}`, { headers: { host, ...headers } });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** Polls until `check` passes; the controller applies watch events as they arrive. */
async function eventually<T>(f: () => Promise<T>, check: (v: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (check(v) || Date.now() > end) return v;
    await Bun.sleep(20);
  }
}

/**
 * The subject CN of the certificate the HTTPS listener presents for `servername`. A handshake
 * caught in the accept queue of a listener closing after its drain is reset (listeners.ts
 * measures how rarely); it is tried again.
 */
async function servedCert(servername: string | undefined): Promise<{ cn: string; serial: string; sans: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await handshake(servername);
    } catch (e) {
      if ((e as { code?: string }).code !== "ECONNRESET" || attempt === 3) throw e;
    }
  }
}

function handshake(servername: string | undefined): Promise<{ cn: string; serial: string; sans: string }> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: INGRESS_IP, port: httpsPort, servername, rejectUnauthorized: false }, () => {
      const c = s.getPeerCertificate();
      s.end();
      resolve({ cn: String(c.subject?.CN ?? ""), serial: c.serialNumber, sans: c.subjectaltname ?? "" });
    });
    s.on("error", reject);
  });
}

beforeAll(async () => {
  api = await startTestApi();
  const rest = new RestClient({ server: "https://k3rs.test", path: "(test)" }, async (url, init) =>
    api.app.fetch(new Request(url, init), { peer: { authorized: true, subject: { CN: "system:node:ing", O: "system:nodes" } }, signal: init.signal ?? undefined }),
  );
  const a = backend("a");
  const b = backend("b");
  await expose("web-a", a);
  await expose("web-b", b, [{ name: "web", port: 8080 }]);
  await expose("empty", undefined);
  ctl = await startIngress({ client: rest, nodeIPs: [INGRESS_IP], ports: { http: 0, https: 0 }, registry, signal: stop.signal, bindRetryMs: 100 });
  // The class and the default certificate come from the server's start; the listeners follow them.
  await eventually(async () => [ctl.listeners.port("http"), ctl.listeners.port("https")], (p) => p.every((x) => x !== undefined));
  httpPort = ctl.listeners.port("http")!;
  httpsPort = ctl.listeners.port("https")!;
});

afterAll(async () => {
  stop.abort();
  await ctl?.stop();
  for (const b of backends) b.stop(true);
  await api?.close();
});

describe("server side", () => {
  test("the IngressClass k3rs exists, is the default and names the k3rs controller; the default certificate Secret exists", async () => {
    const cls = await api.json("GET", "/apis/networking.k8s.io/v1/ingressclasses/k3rs");
    expect(cls.status).toBe(200);
    expect(cls.body.spec.controller).toBe("k3rs.io/ingress");
    expect(cls.body.metadata.annotations["ingressclass.kubernetes.io/is-default-class"]).toBe("true");
    const sec = await api.json("GET", "/api/v1/namespaces/kube-system/secrets/k3rs-ingress-default-cert");
    expect(sec.status).toBe(200);
    expect(sec.body.type).toBe("kubernetes.io/tls");
  });

  test("an IngressClass without a controller is refused with 422", async () => {
    const r = await api.json("POST", "/apis/networking.k8s.io/v1/ingressclasses", { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "bad" }, spec: {} });
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe("spec.controller");
  });

  test("status.loadBalancer.ingress lists the Ready nodes' addresses", async () => {
    const mk = (name: string, ip: string, ready: boolean) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name },
      status: { addresses: [{ type: "InternalIP", address: ip }], conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
    });
    await ok(api.json("POST", "/api/v1/nodes", mk("ing-n1", "192.0.2.11", true)));
    await ok(api.json("POST", "/api/v1/nodes", mk("ing-n2", "192.0.2.12", false)));
    await ok(api.json("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", ingress("status", { host: "status.test", paths: [{ path: "/", service: "web-a" }] })));
    const read = () => api.json("GET", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/status");
    const r = await eventually(read, (x) => x.body.status?.loadBalancer?.ingress?.length === 1);
    expect(r.body.status.loadBalancer.ingress).toEqual([{ ip: "192.0.2.11" }]);
  });
});

describe("routing", () => {
  beforeAll(async () => {
    await ok(
      api.json(
        "POST",
        "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
        ingress("routes", {
          rules: [
            { host: "app.test", paths: [{ path: "/", service: "web-a" }, { path: "/b", service: "web-b", port: "web" }, { path: "/exact", type: "Exact", service: "web-b", port: 8080 }] },
            { host: "*.wild.test", paths: [{ path: "/", service: "web-b", port: 8080 }] },
            { host: "down.test", paths: [{ path: "/", service: "empty" }, { path: "/missing", service: "nosuch" }] },
          ],
        }),
      ),
    );
    await eventually(() => get("app.test", "/"), (r) => r.status === 200);
  });

  test.each([
    ["app.test", "/", 200, "a"],
    ["app.test", "/b/c?q=1", 200, "b"], // Prefix, port by name
    ["app.test", "/bc", 200, "a"], // element-wise: /bc is not under /b
    ["app.test", "/exact", 200, "b"], // Exact, port by number
    ["app.test", "/exact/more", 200, "a"],
    ["x.wild.test", "/", 200, "b"],
    ["x.y.wild.test", "/", 404, undefined], // a wildcard covers one label
    ["nobody.test", "/", 404, undefined],
    ["down.test", "/", 503, undefined], // Service without ready endpoints
    ["down.test", "/missing", 503, undefined], // Service that does not exist
  ])("%s%s → %i %s", async (host, path, status, name) => {
    const r = await get(host, path);
    expect(r.status).toBe(status);
    if (name) {
      expect(r.body.name).toBe(name);
      expect(r.body.path).toBe(path);
      expect(r.body.headers.host).toBe(host); // the Host header reaches the backend unchanged
    }
  });

  test("X-Forwarded-* are set (a client's own replaced) and hop-by-hop headers stay on their hop", async () => {
    const r = await get("app.test", "/", { "x-forwarded-for": "6.6.6.6", connection: "x-private", "x-private": "secret", "keep-alive": "timeout=5" });
    expect(r.status).toBe(200);
    const h = r.body.headers;
    expect(h["x-forwarded-for"]).toMatch(/^127\./);
    expect(h["x-forwarded-for"]).not.toContain("6.6.6.6");
    expect(h["x-forwarded-proto"]).toBe("http");
    expect(h["x-forwarded-host"]).toBe("app.test");
    expect(h["x-private"]).toBeUndefined();
    expect(h["keep-alive"]).toBeUndefined();
  });

  test("a change to an Ingress and to its endpoints is applied within a second", async () => {
    const path = "/apis/networking.k8s.io/v1/namespaces/default/ingresses";
    await ok(api.json("POST", path, ingress("moving", { host: "move.test", paths: [{ path: "/", service: "web-a" }] })));
    let t0 = Date.now();
    let r = await eventually(() => get("move.test", "/"), (x) => x.body?.name === "a", 1000);
    expect(r.body.name).toBe("a");
    // The status controller may write the Ingress between the read and the write: read again, as kubectl edit would.
    for (let attempt = 0; ; attempt++) {
      const cur = await api.json("GET", `${path}/moving`);
      cur.body.spec.rules[0].http.paths[0].backend = { service: { name: "web-b", port: { number: 8080 } } };
      const put = await api.json("PUT", `${path}/moving`, cur.body);
      if (put.status === 409 && attempt < 5) continue;
      await ok(Promise.resolve(put));
      break;
    }
    t0 = Date.now();
    r = await eventually(() => get("move.test", "/"), (x) => x.body?.name === "b", 1000);
    expect(r.body.name).toBe("b");
    expect(Date.now() - t0).toBeLessThan(1000);
    // endpoints: web-b's only endpoint turns unready → 503
    const sl = await api.json("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-b-abc");
    sl.body.endpoints[0].conditions.ready = false;
    await ok(api.json("PUT", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-b-abc", sl.body));
    r = await eventually(() => get("move.test", "/"), (x) => x.status === 503, 1000);
    expect(r.status).toBe(503);
    sl.body.endpoints[0].conditions.ready = true;
    delete sl.body.metadata.resourceVersion;
    await ok(api.json("PUT", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-b-abc", sl.body));
    r = await eventually(() => get("move.test", "/"), (x) => x.status === 200, 1000);
    expect(r.status).toBe(200);
  });

  test("class filtering: another controller's class is left alone; no class is ours while k3rs is the default", async () => {
    await ok(api.json("POST", "/apis/networking.k8s.io/v1/ingressclasses", { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } }));
    const path = "/apis/networking.k8s.io/v1/namespaces/default/ingresses";
    await ok(api.json("POST", path, ingress("theirs", { className: "nginx", host: "theirs.test", paths: [{ path: "/", service: "web-a" }] })));
    await ok(api.json("POST", path, ingress("classless", { host: "classless.test", paths: [{ path: "/", service: "web-a" }] })));
    await ok(api.json("POST", path, ingress("explicit", { className: "k3rs", host: "explicit.test", paths: [{ path: "/", service: "web-a" }] })));
    expect((await eventually(() => get("explicit.test", "/"), (x) => x.status === 200)).status).toBe(200);
    expect((await eventually(() => get("classless.test", "/"), (x) => x.status === 200)).status).toBe(200);
    expect((await get("theirs.test", "/")).status).toBe(404);
    // and no status written on theirs
    const theirs = await api.json("GET", `${path}/theirs`);
    expect(theirs.body.status?.loadBalancer?.ingress).toBeUndefined();
  });

  test("metrics count requests by code", async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/k3rs_ingress_requests_total\{code="200"\} [1-9]/);
    expect(text).toMatch(/k3rs_ingress_requests_total\{code="404"\} [1-9]/);
    expect(text).toMatch(/k3rs_ingress_requests_total\{code="503"\} [1-9]/);
    expect(text).toMatch(/k3rs_ingress_upstream_duration_seconds_count [1-9]/);
  });
});

describe("streams and WebSockets", () => {
  beforeAll(async () => {
    await ok(api.json("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", ingress("live", { host: "live.test", paths: [{ path: "/", service: "web-a" }] })));
    await eventually(() => get("live.test", "/"), (r) => r.status === 200);
  });

  test("server-sent events are streamed: the first event arrives while the backend still holds the stream open", async () => {
    const res = await fetch(`http://${INGRESS_IP}:${httpPort}/events`, { headers: { host: "live.test" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("data: first");
    releaseStream();
    let rest = "";
    for (let c = await reader.read(); !c.done; c = await reader.read()) rest += new TextDecoder().decode(c.value);
    expect(rest).toContain("data: last");
  });

  test("a WebSocket upgrade passes through: subprotocol, Host, messages both ways", async () => {
    const ws = new WebSocket(`ws://${INGRESS_IP}:${httpPort}/ws`, { headers: { host: "live.test" }, protocols: ["chat.v1"] } as unknown as string[]);
    const messages: string[] = [];
    const got = (n: number) => new Promise<void>((r) => {
      const check = () => (messages.length >= n ? r() : setTimeout(check, 5));
      check();
    });
    ws.onmessage = (e) => messages.push(String(e.data));
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("websocket failed"));
    });
    expect(ws.protocol).toBe("chat.v1");
    await got(1);
    ws.send("ping");
    await got(2);
    ws.close();
    expect(messages).toEqual(["hello from a for live.test", "echo:ping"]);
  });
});

describe("TLS", () => {
  let ca: Awaited<ReturnType<typeof createCa>>;
  const leaf = (cn: string) => issueServingCert(ca, { commonName: cn, dnsNames: [cn], ips: [] });

  beforeAll(async () => {
    ca = await createCa("ingress-test-ca");
    const pair = await leaf("secure.test");
    await ok(api.json("POST", "/api/v1/namespaces/default/secrets", tlsSecret("secure-tls", pair.certPem, pair.keyPem)));
    await ok(api.json("POST", "/apis/networking.k8s.io/v1/namespaces/default/ingresses", ingress("secure", { host: "secure.test", tls: [{ hosts: ["secure.test"], secretName: "secure-tls" }], paths: [{ path: "/", service: "web-a" }] })));
  });

  test("the Ingress's certificate is served by SNI, the default certificate to other names", async () => {
    const c = await eventually(() => servedCert("secure.test"), (x) => x.cn === "secure.test");
    expect(c.cn).toBe("secure.test");
    expect(c.sans).toContain("DNS:secure.test");
    expect((await servedCert("unknown.test")).cn).toBe("k3rs-ingress-default-cert");
    expect((await servedCert(undefined)).cn).toBe("k3rs-ingress-default-cert");
  });

  test("HTTPS requests are routed, with X-Forwarded-Proto https", async () => {
    const res = await fetch(`https://${INGRESS_IP}:${httpsPort}/x`, { headers: { host: "secure.test" }, tls: { rejectUnauthorized: false, serverName: "secure.test" } } as RequestInit);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.name).toBe("a");
    expect(body.headers["x-forwarded-proto"]).toBe("https");
  });

  test("a WebSocket over TLS (wss) passes through too", async () => {
    const ws = new WebSocket(`wss://${INGRESS_IP}:${httpsPort}/ws`, { headers: { host: "secure.test" }, tls: { rejectUnauthorized: false, serverName: "secure.test" } } as unknown as string[]);
    const first = await new Promise<string>((resolve, reject) => {
      ws.onmessage = (e) => resolve(String(e.data));
      ws.onerror = () => reject(new Error("wss failed"));
    });
    ws.close();
    expect(first).toBe("hello from a for secure.test");
  });

  test("a rotated Secret is served without a restart; a broken one does not take HTTPS down", async () => {
    const before = await servedCert("secure.test");
    const next = await leaf("secure.test");
    const cur = await api.json("GET", "/api/v1/namespaces/default/secrets/secure-tls");
    cur.body.data = tlsSecret("x", next.certPem, next.keyPem).data;
    await ok(api.json("PUT", "/api/v1/namespaces/default/secrets/secure-tls", cur.body));
    // A replaced listener drains for a second, so a few handshakes may still meet older certificates.
    const want = new X509Certificate(next.certPem).serialNumber;
    const after = await eventually(() => servedCert("secure.test"), (x) => x.serial === want);
    expect(after.serial).toBe(want);
    expect(want).not.toBe(before.serial);
    expect(after.cn).toBe("secure.test");
    // a key that is not the certificate's: the entry is left out, the listener keeps serving
    const other = await leaf("secure.test");
    const bad = await api.json("GET", "/api/v1/namespaces/default/secrets/secure-tls");
    bad.body.data = tlsSecret("x", next.certPem, other.keyPem).data;
    await ok(api.json("PUT", "/api/v1/namespaces/default/secrets/secure-tls", bad.body));
    // Five handshakes in a row meeting the default certificate: the drained servers are gone.
    const fiveDefault = async () => (await Promise.all([1, 2, 3, 4, 5].map(() => servedCert("secure.test")))).map((c) => c.cn);
    const cns = await eventually(fiveDefault, (x) => x.every((cn) => cn === "k3rs-ingress-default-cert"));
    expect(cns).toEqual(Array(5).fill("k3rs-ingress-default-cert"));
    const res = await fetch(`https://${INGRESS_IP}:${httpsPort}/`, { headers: { host: "secure.test" }, tls: { rejectUnauthorized: false, serverName: "secure.test" } } as RequestInit);
    expect(res.status).toBe(200);
  });
});

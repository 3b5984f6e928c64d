import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureServerPki, type ServerPki } from "../../pki/bootstrap.ts";
import { clientCertAuthenticator, staticTokenAuthenticator } from "../auth/authenticate.ts";
import { earlyAuthenticator } from "../auth/early-authenticator.ts";
import { serveHttps, type RunningServer } from "./serve.ts";
import type { Env } from "../app.ts";

let dir: string;
let pki: ServerPki;
let server: RunningServer;
let plainServer: RunningServer;
const seen: Array<{ path: string; user?: string; body?: string }> = [];

const options = () => ({
  host: "127.0.0.1",
  port: 0,
  certPem: pki.serving.certPem,
  keyPem: pki.serving.keyPem,
  caPem: pki.ca.certPem,
  authenticate: earlyAuthenticator([clientCertAuthenticator, staticTokenAuthenticator(new Map([["t0ken", { user: "robot", groups: [] }]]))]),
  timeouts: { headerMs: 400, idleMs: 10_000, handshakeMs: 10_000, bodyMs: 300 },
  fetch: async (req: Request, env: Env) => {
    const body = req.method === "POST" ? await req.text() : undefined;
    seen.push({ path: new URL(req.url).pathname, user: env.user?.user, ...(body !== undefined ? { body } : {}) });
    if (new URL(req.url).searchParams.has("watch")) {
      return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"type":"ADDED"}\n')) }), { headers: { "content-type": "application/json" } });
    }
    return new Response(`hello ${env.user?.user ?? "anyone"}`, { headers: { connection: "keep-alive" } });
  },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k3rs-h2-"));
  pki = await ensureServerPki(dir, { hostnames: ["localhost"], ips: ["127.0.0.1"] });
  server = await serveHttps({ ...options(), http2: true });
  plainServer = await serveHttps(options());
});
afterAll(async () => {
  await server.close();
  await plainServer.close();
  rmSync(dir, { recursive: true, force: true });
});

const adminTls = () => ({ ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem });

function connect(port: number, tlsOpts: object): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(`https://127.0.0.1:${port}`, { ...tlsOpts, servername: "localhost" } as http2.SecureClientSessionOptions);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

interface Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  reset?: number;
}

function ask(s: http2.ClientHttp2Session, path: string, init: { method?: string; headers?: Record<string, string>; body?: string; keepOpen?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const st = s.request({ ":method": init.method ?? "GET", ":path": path, ...init.headers });
    let status = 0;
    let headers: http2.IncomingHttpHeaders = {};
    let body = "";
    st.on("response", (h) => ((headers = h), (status = Number(h[":status"]))));
    st.setEncoding("utf8");
    st.on("data", (d: string) => (body += d));
    st.on("error", () => {});
    st.on("close", () => resolve({ status, headers, body, reset: st.rstCode }));
    if (init.body !== undefined) st.write(init.body);
    if (!init.keepOpen) st.end();
  });
}

const closed = (s: http2.ClientHttp2Session) => new Promise<void>((r) => (s.destroyed || s.closed ? r() : s.once("close", () => r())));

describe("serveHttps over HTTP/2", () => {
  test("each stream runs as the connection's certificate user or its own token's; an anonymous stream gets 401 and the connection serves the next", async () => {
    seen.length = 0;
    const admin = await connect(server.port, adminTls());
    const tokenOnly = await connect(server.port, { ca: pki.ca.certPem });
    expect(admin.alpnProtocol).toBe("h2");
    const [a, t, anon] = await Promise.all([
      ask(admin, "/api/v1/pods"),
      ask(tokenOnly, "/api/v1/pods", { headers: { authorization: "Bearer t0ken" } }),
      ask(tokenOnly, "/api/v1/nodes"),
    ]);
    expect([a.status, a.body]).toEqual([200, "hello system:admin"]);
    expect([t.status, t.body]).toEqual([200, "hello robot"]);
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.body)).toMatchObject({ kind: "Status", code: 401 });
    // The refusal ended its stream only.
    const health = await ask(tokenOnly, "/readyz");
    expect([health.status, health.body]).toEqual([200, "hello anyone"]);
    expect(seen).toEqual([{ path: "/api/v1/pods", user: "system:admin" }, { path: "/api/v1/pods", user: "robot" }, { path: "/readyz", user: undefined }]);
    admin.close();
    tokenOnly.close();
  });

  test("a connection-specific header a handler sets is left out (HTTP/2 forbids it) instead of failing the answer", async () => {
    const admin = await connect(server.port, adminTls());
    const r = await ask(admin, "/api/v1/pods");
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBeUndefined();
    admin.close();
  });

  test("a body that stops arriving resets its own stream; the other streams on the connection are answered", async () => {
    seen.length = 0;
    const admin = await connect(server.port, adminTls());
    const stalled = ask(admin, "/api/v1/namespaces/default/configmaps", { method: "POST", headers: { "content-type": "application/json" }, body: '{"kind":', keepOpen: true });
    const meanwhile = await ask(admin, "/api/v1/nodes");
    expect(meanwhile.status).toBe(200);
    const r = await stalled;
    expect(r.reset).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(seen.filter((s) => s.body !== undefined)).toEqual([]);
    const after = await ask(admin, "/api/v1/nodes");
    expect(after.status).toBe(200);
    admin.close();
  });

  test("a streamed answer (a watch) sends its headers and first event while the stream stays open", async () => {
    const admin = await connect(server.port, adminTls());
    const st = admin.request({ ":path": "/api/v1/pods?watch=1" });
    const status = await new Promise<number>((r) => st.once("response", (h) => r(Number(h[":status"]))));
    const first = await new Promise<string>((r) => st.once("data", (d: Buffer) => r(String(d))));
    expect(status).toBe(200);
    expect(first).toBe('{"type":"ADDED"}\n');
    expect(st.closed).toBe(false);
    st.close();
    admin.close();
  });

  test("a connection that opens no stream is closed at the header deadline", async () => {
    const idle = await connect(server.port, adminTls());
    idle.on("error", () => {});
    await closed(idle);
    expect(idle.destroyed || idle.closed).toBe(true);
  });

  test("HTTP/1.1 clients are still served on the same port; without the option no h2 is offered", async () => {
    const r = await fetch(`https://127.0.0.1:${server.port}/api/v1/pods`, { headers: { connection: "close" }, tls: adminTls() } as RequestInit);
    expect([r.status, await r.text()]).toEqual([200, "hello system:admin"]);
    const refused = await connect(plainServer.port, { ...adminTls(), ALPNProtocols: ["h2"] }).then(
      (s) => (s.destroy(), "connected"),
      () => "refused",
    );
    expect(refused).toBe("refused");
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
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
const seen: Array<{ path: string; user?: string }> = [];
const closes: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k3rs-serve-"));
  pki = await ensureServerPki(dir, { hostnames: ["localhost"], ips: ["127.0.0.1"] });
  server = await serveHttps({
    host: "127.0.0.1",
    port: 0,
    certPem: pki.serving.certPem,
    keyPem: pki.serving.keyPem,
    caPem: pki.ca.certPem,
    authenticate: earlyAuthenticator([clientCertAuthenticator, staticTokenAuthenticator(new Map([["t0ken", { user: "robot", groups: [] }]]))]),
    timeouts: { headerMs: 300, idleMs: 10_000, handshakeMs: 10_000 },
    maxUntrustedConnections: 5,
    onClosed: (reason) => closes.push(reason),
    fetch: (req: Request, env: Env) => {
      seen.push({ path: new URL(req.url).pathname, user: env.user?.user });
      return new Response(`hello ${env.user?.user ?? "anyone"}`);
    },
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const adminTls = () => ({ ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem });

function idleTcp(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
  });
}
const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once("close", () => r())));

/** Sends one request on `c` and resolves with the response text (it ends with `marker`). */
function ask(c: tls.TLSSocket, path: string, marker: string): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const onData = (d: Buffer) => {
      got += d;
      if (got.includes(marker)) {
        c.off("data", onData);
        resolve(got);
      }
    };
    c.on("data", onData);
    c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

describe("serveHttps", () => {
  test("the user the transport authenticated reaches fetch as env.user; public paths carry none", async () => {
    seen.length = 0;
    // Nothing may linger into the next tests (they count connections).
    const headers = { connection: "close" };
    const byCert = await fetch(`https://127.0.0.1:${server.port}/api/v1/pods`, { headers, tls: adminTls() } as RequestInit);
    const byToken = await fetch(`https://127.0.0.1:${server.port}/api/v1/pods`, { headers: { ...headers, authorization: "Bearer t0ken" }, tls: { ca: pki.ca.certPem } } as RequestInit);
    const anonymous = await fetch(`https://127.0.0.1:${server.port}/api/v1/pods`, { headers, tls: { ca: pki.ca.certPem } } as RequestInit);
    const health = await fetch(`https://127.0.0.1:${server.port}/readyz`, { headers, tls: { ca: pki.ca.certPem } } as RequestInit);
    expect([byCert.status, byToken.status, anonymous.status, health.status]).toEqual([200, 200, 401, 200]);
    expect(await byCert.text()).toBe("hello system:admin");
    expect(await byToken.text()).toBe("hello robot");
    expect(await anonymous.json()).toMatchObject({ kind: "Status", code: 401 });
    expect(seen).toEqual([{ path: "/api/v1/pods", user: "system:admin" }, { path: "/api/v1/pods", user: "robot" }, { path: "/readyz", user: undefined }]);
  });

  test("a TLS connection that sends no request is closed at the header deadline", async () => {
    const c = tls.connect({ port: server.port, host: "127.0.0.1", ...adminTls(), servername: "localhost" });
    c.on("error", () => {});
    const before = closes.length;
    await closed(c as unknown as net.Socket);
    expect(c.destroyed).toBe(true);
    expect(closes.slice(before)).toEqual(["header_deadline"]);
  });

  test("past the cap on untrusted connections the oldest are closed, and a client with a certificate keeps its connection", async () => {
    const agent = tls.connect({ port: server.port, host: "127.0.0.1", ...adminTls(), servername: "localhost" });
    await new Promise<void>((r) => agent.once("secureConnect", () => r()));
    expect(await ask(agent, "/api/v1/nodes", "system:admin")).toContain("200 OK");
    const flood: net.Socket[] = [];
    const before = closes.length;
    for (let i = 0; i < 8; i++) flood.push(await idleTcp());
    // The three oldest of eight make room: the cap is five.
    await Promise.all(flood.slice(0, 3).map(closed));
    expect(flood.map((s) => s.destroyed)).toEqual([true, true, true, false, false, false, false, false]);
    expect(closes.slice(before)).toEqual(["untrusted_cap", "untrusted_cap", "untrusted_cap"]);
    expect(await ask(agent, "/api/v1/nodes", "system:admin")).toContain("200 OK");
    expect(agent.destroyed).toBe(false);
    for (const s of flood) s.destroy();
    agent.destroy();
  });
});

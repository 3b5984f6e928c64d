/**
 * The API transport against a hostile client, on the BUILT executable: packets that once
 * ended the process, path tricks, plain HTTP, connections that stall at every stage, a flood
 * of idle connections, and an anonymous upload. After each, the server must still answer.
 * Deadlines are shortened through K3RS_INTERNAL_API_TIMEOUTS; the handshake one is kept
 * longer so the flood is still open while a real client is served.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import YAML from "yaml";
import { startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

const PORT = 16843;
const TIMEOUTS = "handshake=6s,header=2s,idle=2s,body=2s";

let server: E2EServer;
let admin: { ca: string; cert: string; key: string };

beforeAll(async () => {
  server = await startE2EServer({ port: PORT, env: { K3RS_INTERNAL_API_TIMEOUTS: TIMEOUTS } });
  const kc = YAML.parse(readFileSync(server.kubeconfig, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  admin = { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

/** One raw exchange over TLS: what the server sent until it closed the connection. */
function tlsExchange(request: string | undefined, o: { asAdmin?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = tls.connect({ port: PORT, host: "127.0.0.1", rejectUnauthorized: false, ...(o.asAdmin ? { cert: admin.cert, key: admin.key } : {}) }, () => {
      if (request !== undefined) c.write(request);
    });
    let got = "";
    c.on("data", (d) => (got += d));
    c.on("close", () => resolve(got));
    c.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? resolve(got) : reject(e)));
  });
}

function tcpExchange(request: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(PORT, "127.0.0.1", () => {
      if (request !== undefined) c.write(request);
    });
    let got = "";
    c.on("data", (d) => (got += d));
    c.on("close", () => resolve(got));
    c.on("error", reject);
  });
}

function statusOf(response: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1] ?? 0);
}

/** The JSON body of a response (chunked or not). */
function jsonBody(response: string): any {
  const body = response.slice(response.indexOf("\r\n\r\n") + 4);
  return JSON.parse(/transfer-encoding: chunked/i.test(response) ? body.slice(body.indexOf("\r\n") + 2, body.lastIndexOf("\r\n0\r\n")) : body);
}

async function assertServing(): Promise<void> {
  expect(server.proc.exitCode).toBeNull();
  const r = await fetch(`https://127.0.0.1:${PORT}/readyz`, { tls: { rejectUnauthorized: false } } as RequestInit);
  expect(r.status).toBe(200);
  const ns = await fetch(`https://127.0.0.1:${PORT}/api/v1/namespaces/default`, { tls: admin } as RequestInit);
  expect(ns.status).toBe(200);
  expect(((await ns.json()) as { metadata: { name: string } }).metadata.name).toBe("default");
}

const BAD_HOSTS = ["a b", "[", "%zz", "a:b:c"];

describe("hostile transport (built executable)", () => {
  test.each(BAD_HOSTS)("an Upgrade request with Host %p is answered and the server lives on", async (host) => {
    const anonymous = await tlsExchange(`GET /api/v1/namespaces HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    expect(statusOf(anonymous)).toBe(401);
    expect(jsonBody(anonymous)).toMatchObject({ kind: "Status", code: 401, reason: "Unauthorized" });
    const asAdmin = await tlsExchange(`GET /api/v1/namespaces/default HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`, { asAdmin: true });
    expect(statusOf(asAdmin)).toBe(200);
    expect(jsonBody(asAdmin).metadata.name).toBe("default");
    await assertServing();
  });

  test.each(BAD_HOSTS)("Host %p without Upgrade neither routes nor fails: the path is served", async (host) => {
    const r = await tlsExchange(`GET /api/v1/namespaces/default HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, { asAdmin: true });
    expect(statusOf(r)).toBe(200);
    expect(jsonBody(r)).toMatchObject({ kind: "Namespace", metadata: { name: "default" } });
  });

  test.each(["/api/v1/namespaces/default/configmaps/%2e%2e", "/api/v1/namespaces/default/configmaps/..", "/api/v1/namespaces/default/configmaps/.%2E", "/api/v1/pods/%zz", "http://x/api/v1/namespaces"])("request-target %p gets a 400 Status, never what WHATWG parsing would make of it", async (target) => {
    for (const upgrade of ["", "Connection: Upgrade\r\nUpgrade: websocket\r\n"]) {
      const r = await tlsExchange(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${upgrade}Connection: close\r\n\r\n`, { asAdmin: true });
      expect(statusOf(r)).toBe(400);
      expect(jsonBody(r)).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest" });
    }
  });

  test("plain HTTP to the TLS port gets Go's 400 text", async () => {
    expect(await tcpExchange("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).toBe("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
  });

  test("stalled connections are closed by the server: no ClientHello, no request, half a header, idle keep-alive, half a body", async () => {
    const [noHello, noRequest, halfHeader, keptAlive, halfBody] = await Promise.all([
      tcpExchange(undefined),
      tlsExchange(undefined),
      tlsExchange("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "),
      tlsExchange("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
      tlsExchange("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"kind\":", { asAdmin: true }),
    ]);
    expect(noHello).toBe("");
    expect(noRequest).toBe("");
    expect(halfHeader).toBe("");
    // The kept-alive connection got its answer, then was closed for idling.
    expect(statusOf(keptAlive)).toBe(200);
    expect(keptAlive).toMatch(/\r\n\r\n(2\r\n)?ok/);
    expect(statusOf(halfBody)).toBe(0);
    await assertServing();
  }, 20_000);

  test("with 2,000 idle connections open, real clients are answered, and the idle ones are closed by the server", async () => {
    const flood: net.Socket[] = [];
    const closedByServer = new Set<net.Socket>();
    await Promise.all(
      Array.from({ length: 2000 }, () =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect(PORT, "127.0.0.1", () => resolve());
          s.on("error", reject);
          s.on("close", () => closedByServer.add(s));
          flood.push(s);
        }),
      ),
    );
    const openWhileServed: number[] = [];
    for (let i = 0; i < 5; i++) {
      await assertServing();
      openWhileServed.push(flood.length - closedByServer.size);
    }
    // The answers above came while the flood was open (its handshake deadline is 6 s).
    expect(openWhileServed[0]).toBeGreaterThan(1000);
    while (closedByServer.size < flood.length) await Bun.sleep(100);
    expect(closedByServer.size).toBe(2000);
    await assertServing();
  }, 30_000);

  test("an anonymous POST with a huge body gets 401 without the server reading the body", async () => {
    const GiB = 1 << 30;
    const { response, sent } = await new Promise<{ response: string; sent: number }>((resolve, reject) => {
      const c = tls.connect({ port: PORT, host: "127.0.0.1", rejectUnauthorized: false }, () => {
        c.write(`POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${GiB}\r\n\r\n`);
        const chunk = Buffer.alloc(1 << 20, 0x20);
        const pump = () => {
          while (!c.destroyed && sent < GiB) {
            sent += chunk.length;
            if (!c.write(chunk)) return void c.once("drain", pump);
          }
        };
        pump();
      });
      let sent = 0;
      let got = "";
      c.on("data", (d) => (got += d));
      c.on("close", () => resolve({ response: got, sent }));
      c.on("error", (e: NodeJS.ErrnoException) => (["ECONNRESET", "EPIPE"].includes(e.code ?? "") ? undefined : reject(e)));
    });
    expect(statusOf(response)).toBe(401);
    expect(jsonBody(response)).toMatchObject({ kind: "Status", code: 401, reason: "Unauthorized" });
    // What the kernel's buffers took before the server closed, not the gigabyte: the body was never read.
    expect(sent).toBeLessThan(64 << 20);
    await assertServing();
  }, 20_000);

  test("the process survived everything above and logged no uncaught error", async () => {
    await assertServing();
    expect(server.logs()).not.toContain("uncaught exception");
    expect(server.logs()).not.toContain("unhandled promise rejection");
  });
});

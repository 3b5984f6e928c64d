import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import http from "node:http";
import net from "node:net";
import { nodeListener, type FetchHandler } from "./node-fetch.ts";
import { REQUEST_ORIGIN } from "./request-target.ts";
import type { EarlyAuthentication } from "../api/auth/early-authenticator.ts";

// One server; each test sets what the handler and the authenticator do.
let handler: FetchHandler = () => new Response("ok");
let authenticate: (head: Request) => Promise<EarlyAuthentication> = async () => "public";
let server: http.Server;
let port: number;
const heads: Request[] = [];

beforeAll(async () => {
  server = http.createServer(
    nodeListener((req, incoming, user) => handler(req, incoming, user), {
      authenticate: (head) => (heads.push(head), authenticate(head)),
      bodyTimeoutMs: 200,
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => void server.close());

/** Sends `head` (and `bodyBytes` of body, pumped as fast as the server takes them); resolves when the server closes. */
function exchange(head: string, bodyBytes = 0): Promise<{ response: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let got = "";
    const c = net.connect(port, "127.0.0.1", () => {
      c.write(head);
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const pump = () => {
        while (!c.destroyed && sent < bodyBytes) {
          sent += chunk.length;
          if (!c.write(chunk)) return void c.once("drain", pump);
        }
      };
      pump();
    });
    c.on("data", (d) => (got += d));
    c.on("close", () => resolve({ response: got, sent }));
    c.on("error", (e: NodeJS.ErrnoException) => (["ECONNRESET", "EPIPE"].includes(e.code ?? "") ? undefined : reject(e)));
  });
}

const statusOf = (r: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(r)?.[1] ?? 0);
function jsonOf(r: string): any {
  const body = r.slice(r.indexOf("\r\n\r\n") + 4);
  return JSON.parse(/transfer-encoding: chunked/i.test(r) ? body.slice(body.indexOf("\r\n") + 2, body.lastIndexOf("\r\n0\r\n")) : body);
}

describe("node adapter", () => {
  test.each(["a b", "[", "%zz", "a:b:c"])("Host %p neither fails nor routes", async (host) => {
    const urls: string[] = [];
    handler = (req) => (urls.push(req.url), new Response("ok"));
    const { response } = await exchange(`GET /api/v1/pods?limit=1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).toBe(200);
    expect(urls).toEqual([`${REQUEST_ORIGIN}/api/v1/pods?limit=1`]);
  });

  test("a dot-segment target gets a 400 Status and reaches neither the authenticator nor the handler", async () => {
    let reached = 0;
    handler = () => (reached++, new Response("ok"));
    heads.length = 0;
    const { response } = await exchange("GET /api/v1/namespaces/default/configmaps/%2e%2e HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(statusOf(response)).toBe(400);
    expect(jsonOf(response)).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest" });
    expect(reached).toBe(0);
    expect(heads).toEqual([]);
  });

  test("an anonymous request gets 401 and its body is never read", async () => {
    let reached = 0;
    handler = () => (reached++, new Response("ok"));
    authenticate = async () => undefined;
    const GiB = 1 << 30;
    const { response, sent } = await exchange(`POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${GiB}\r\n\r\n`, GiB);
    expect(statusOf(response)).toBe(401);
    expect(response.toLowerCase()).toContain("connection: close");
    expect(jsonOf(response)).toMatchObject({ kind: "Status", code: 401, reason: "Unauthorized" });
    expect(reached).toBe(0);
    expect(sent).toBeLessThan(64 << 20);
  });

  test("an authenticated request's user reaches the handler with the whole body, asked once from the head", async () => {
    const seen: Array<{ user?: string; body: string }> = [];
    handler = async (req, _incoming, user) => (seen.push({ user: user?.user, body: await req.text() }), new Response("done"));
    authenticate = async (head) => (head.headers.get("authorization") === "Bearer t" ? { user: "alice", groups: [] } : undefined);
    heads.length = 0;
    const { response } = await exchange('POST /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{"a":"bcd"}');
    expect(statusOf(response)).toBe(200);
    expect(seen).toEqual([{ user: "alice", body: '{"a":"bcd"}' }]);
    expect(heads.length).toBe(1);
    expect(heads[0]!.body).toBeNull();
  });

  test.each([
    ["throws", (() => { throw new Error("boom"); }) as FetchHandler],
    ["rejects", (async () => { throw new Error("boom"); }) as FetchHandler],
  ])("a handler that %s gets a 500 Status body, never an empty answer", async (_name, h) => {
    handler = h;
    authenticate = async () => "public";
    const { response } = await exchange("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(statusOf(response)).toBe(500);
    expect(jsonOf(response)).toMatchObject({ kind: "Status", code: 500, reason: "InternalError" });
  });

  test("a thrown value that cannot even be printed ends the connection and nothing escapes", async () => {
    handler = () => { throw Object.create(null); };
    authenticate = async () => "public";
    const { response } = await exchange("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(statusOf(response)).toBe(0);
  });

  test("a body that stops arriving: the connection is closed and the handler never runs", async () => {
    let reached = 0;
    handler = () => (reached++, new Response("ok"));
    authenticate = async () => "public";
    const { response } = await exchange("POST /v1-k3rs/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"tok");
    expect(response).toBe("");
    expect(reached).toBe(0);
  });

  test("a body the handler already has whole goes out with its length, not chunked", async () => {
    handler = () => new Response(JSON.stringify({ kind: "ConfigMap", data: { k: "é".repeat(50) } }), { headers: { "content-type": "application/json" } });
    authenticate = async () => "public";
    const { response } = await exchange("GET /api/v1/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(statusOf(response)).toBe(200);
    const head = response.slice(0, response.indexOf("\r\n\r\n")).toLowerCase();
    expect(head).not.toContain("transfer-encoding");
    const body = Buffer.from(response.slice(response.indexOf("\r\n\r\n") + 4));
    expect(head).toContain(`content-length: ${body.byteLength}`);
    expect(jsonOf(response)).toEqual({ kind: "ConfigMap", data: { k: "é".repeat(50) } });
  });

  test("a body still open (a watch) has its head sent before its first chunk, then streams", async () => {
    let push!: (s: string) => void;
    let close!: () => void;
    handler = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(ctrl) {
            push = (s) => ctrl.enqueue(new TextEncoder().encode(s));
            close = () => ctrl.close();
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    authenticate = async () => "public";
    const got: string[] = [];
    const c = net.connect(port, "127.0.0.1", () => c.write("GET /api/v1/x?watch=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    c.on("data", (d) => got.push(String(d)));
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await Bun.sleep(10);
    };
    await until(() => got.join("").includes("\r\n\r\n"));
    expect(statusOf(got.join(""))).toBe(200);
    expect(got.join("").toLowerCase()).toContain("transfer-encoding: chunked");
    push('{"type":"ADDED"}\n');
    await until(() => got.join("").includes("ADDED"));
    expect(got.join("")).toContain('{"type":"ADDED"}');
    close();
    await new Promise((r) => c.once("close", r));
  });
});

import { afterAll, beforeAll, expect, test } from "bun:test";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import net, { type Socket } from "node:net";
import tls, { type TLSSocket } from "node:tls";
import { createCa, issueClientCert, issueServingCert } from "../pki/index.ts";
import { keepAliveFetcher, SetupGate } from "./keep-alive-fetcher.ts";

/** A TLS server that counts its connections and answers by path; `sockets` are the live ones. */
let server: tls.Server;
let base = "";
let ca = "";
let caPair: Awaited<ReturnType<typeof createCa>>;
let client = { cert: "", key: "" };
let connections = 0;
const sockets = new Set<Socket>();
const peers = new Map<unknown, string | undefined>();
const asked = new Map<unknown, number>();
const seen: { method: string; path: string; body: string; cn: unknown }[] = [];
let releaseStream: (() => void) | undefined;

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const cn = peers.get(req.socket);
  seen.push({ method: req.method!, path: req.url!, body, cn });
  switch (req.url) {
    case "/json":
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, method: req.method, body }));
      return;
    case "/empty":
      res.writeHead(204).end();
      return;
    case "/close":
      res.writeHead(200, { connection: "close", "content-length": "3" }).end("bye");
      return;
    case "/drop-reused": {
      // A kept connection's next request is met with a close and no answer: the server's idle
      // timeout ran out as the request left the client.
      const n = (asked.get(req.socket) ?? 0) + 1;
      asked.set(req.socket, n);
      if (n > 1) req.socket.destroy();
      else res.writeHead(200, { "content-length": "2" }).end("ok");
      return;
    }
    case "/stream":
      // Chunked: the first part now, the rest when the test says so.
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"type":"ADDED"}\n');
      releaseStream = () => res.end('{"type":"MODIFIED"}\n');
      return;
    case "/forever":
      res.writeHead(200);
      res.write("x\n");
      return;
    default:
      res.writeHead(404, { "content-type": "text/plain" }).end("nope");
  }
}

beforeAll(async () => {
  const authority = await createCa("keep-alive-test-ca");
  const serving = await issueServingCert(authority, { commonName: "server", dnsNames: ["localhost"], ips: ["127.0.0.1"] });
  const pair = await issueClientCert(authority, { commonName: "hollow-7", organizations: ["system:nodes"] });
  ca = authority.certPem;
  caPair = authority;
  client = { cert: pair.certPem, key: pair.keyPem };
  // node:tls in front of node:http, as the API server does: Bun's https server shows no peer certificate.
  const web = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => answer(req, res, body));
  });
  server = tls.createServer({ key: serving.keyPem, cert: serving.certPem, ca, requestCert: true, rejectUnauthorized: false }, (s: TLSSocket) => {
    connections++;
    sockets.add(s);
    peers.set(s, (s.getPeerCertificate()?.subject as { CN?: string } | undefined)?.CN);
    s.on("close", () => sockets.delete(s));
    web.emit("connection", s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

const fetcherFor = (maxSockets = 2) => keepAliveFetcher({ ca, ...client, maxSockets });
const since = (n: number) => connections - n;

test("sequential requests share one connection, which carries the client certificate", async () => {
  const f = fetcherFor();
  const before = connections;
  for (let i = 0; i < 5; i++) {
    const res = await f(`${base}/json`, { method: "GET", headers: { accept: "application/json" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, method: "GET", body: "" });
  }
  expect(since(before)).toBe(1);
  expect(seen.at(-1)!.cn).toBe("hollow-7");
});

test("a request body arrives whole, with its length", async () => {
  const f = fetcherFor();
  const body = JSON.stringify({ status: { phase: "Running" }, note: "ünïcode" });
  const res = await f(`${base}/json`, { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body });
  expect(await res.json()).toEqual({ ok: true, method: "PATCH", body });
});

test("answers without a body: 204, and a 404 read to its end before the next request", async () => {
  const f = fetcherFor(1);
  const before = connections;
  const empty = await f(`${base}/empty`, { method: "DELETE" });
  expect(empty.status).toBe(204);
  expect(await empty.text()).toBe("");
  const missing = await f(`${base}/missing`, { method: "GET" });
  expect(missing.status).toBe(404);
  expect(await missing.text()).toBe("nope");
  expect((await f(`${base}/json`, { method: "GET" })).status).toBe(200);
  expect(since(before)).toBe(1);
});

test("a chunked body streams: the first part is read before the server sends the rest", async () => {
  const f = fetcherFor(1);
  const res = await f(`${base}/stream`, { method: "GET" });
  const reader = res.body!.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toBe('{"type":"ADDED"}\n');
  releaseStream!();
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += new TextDecoder().decode(value);
  }
  expect(rest).toBe('{"type":"MODIFIED"}\n');
});

test("Connection: close is honoured: the next request opens a new connection", async () => {
  const f = fetcherFor(1);
  const before = connections;
  expect(await (await f(`${base}/close`, { method: "GET" })).text()).toBe("bye");
  expect(await (await f(`${base}/json`, { method: "GET" })).json()).toMatchObject({ ok: true });
  expect(since(before)).toBe(2);
});

test("a GET whose kept connection closes before any answer is sent again on a new one; a POST fails", async () => {
  const f = fetcherFor(1);
  const before = connections;
  expect(await (await f(`${base}/drop-reused`, { method: "GET" })).text()).toBe("ok");
  expect(await (await f(`${base}/drop-reused`, { method: "GET" })).text()).toBe("ok");
  expect(since(before)).toBe(2);

  // The server may have acted on it: a create is never sent twice.
  const g = fetcherFor(1);
  expect(await (await g(`${base}/drop-reused`, { method: "POST", body: "{}" })).text()).toBe("ok");
  const posts = seen.filter((x) => x.method === "POST").length;
  await expect(g(`${base}/drop-reused`, { method: "POST", body: "{}" })).rejects.toThrow("closed");
  // Seen once (and dropped), not twice.
  expect(seen.filter((x) => x.method === "POST").length).toBe(posts + 1);
});

test("at most maxSockets connections; the other requests wait for one", async () => {
  const f = fetcherFor(2);
  const before = connections;
  const results = await Promise.all(Array.from({ length: 6 }, () => f(`${base}/json`, { method: "GET" }).then((r) => r.status)));
  expect(results).toEqual([200, 200, 200, 200, 200, 200]);
  expect(since(before)).toBe(2);
});

test("an abort ends a streaming body; the connection is not reused", async () => {
  const f = fetcherFor(1);
  const before = connections;
  const ac = new AbortController();
  const res = await f(`${base}/forever`, { method: "GET", signal: ac.signal });
  const reader = res.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toBe("x\n");
  ac.abort(new Error("stopped"));
  await expect(reader.read()).rejects.toThrow("stopped");
  expect((await f(`${base}/json`, { method: "GET" })).status).toBe(200);
  expect(since(before)).toBe(2);
});

test("a reader that cancels mid-body frees the slot for the next request", async () => {
  const f = fetcherFor(1);
  const res = await f(`${base}/forever`, { method: "GET" });
  await res.body!.cancel();
  expect((await f(`${base}/json`, { method: "GET" })).status).toBe(200);
});

test("a server that cannot be reached is an error, not a hang", async () => {
  const f = keepAliveFetcher({ ca });
  await expect(f("https://127.0.0.1:1/x", { method: "GET" })).rejects.toThrow();
});

test("an untrusted server certificate is refused", async () => {
  const other = await createCa("someone-else");
  const f = keepAliveFetcher({ ca: other.certPem, ...client });
  await expect(f(`${base}/json`, { method: "GET" })).rejects.toThrow();
});

test("key material that cannot be read fails the request and holds no connection slot", async () => {
  const f = keepAliveFetcher({ ca, cert: "not a certificate", key: "not a key", maxSockets: 1 });
  await expect(f(`${base}/json`, { method: "GET" })).rejects.toThrow();
  await expect(f(`${base}/json`, { method: "GET" })).rejects.toThrow();
});

test("a request's own tls option picks the certificate: a renewed one is presented on a new connection", async () => {
  const f = keepAliveFetcher({ ca, maxSockets: 1 });
  const before = connections;
  const first = await f(`${base}/json`, { method: "GET", tls: { ca, ...client } } as RequestInit);
  expect(first.status).toBe(200);
  expect(seen.at(-1)!.cn).toBe("hollow-7");
  expect((await f(`${base}/json`, { method: "GET", tls: { ca, ...client } } as RequestInit)).status).toBe(200);
  expect(since(before)).toBe(1);
  const renewed = await issueClientCert(caPair, { commonName: "hollow-7-renewed", organizations: ["system:nodes"] });
  expect((await f(`${base}/json`, { method: "GET", tls: { ca, cert: renewed.certPem, key: renewed.keyPem } } as RequestInit)).status).toBe(200);
  expect(seen.at(-1)!.cn).toBe("hollow-7-renewed");
  expect(since(before)).toBe(2);
});

test("connection setups wait for the shared gate: a server that never shakes hands sees only its limit at once", async () => {
  // A server that accepts and never answers: every setup runs until its deadline.
  const held = new Set<Socket>();
  let accepted = 0;
  const silent = net.createServer((s) => {
    accepted++;
    held.add(s);
    s.on("close", () => held.delete(s));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
  try {
    const url = `https://127.0.0.1:${(silent.address() as { port: number }).port}/json`;
    const gate = new SetupGate(3);
    // Ten identities, as ten hollow nodes, each with its own pool.
    const fetchers = Array.from({ length: 10 }, () => keepAliveFetcher({ ca, ...client, gate, setupMs: 600 }));
    const results = fetchers.map((f) => f(url, { method: "GET" }).then(() => "answered", (e: Error) => e.message));
    await Bun.sleep(200);
    expect(accepted).toBe(3);
    expect(gate.load).toEqual({ running: 3, queued: 7 });
    const messages = await Promise.all(results);
    for (const m of messages) expect(m).toContain("not set up within 0.6 s");
    expect(accepted).toBe(10);
    expect(gate.load).toEqual({ running: 0, queued: 0 });
  } finally {
    for (const s of held) s.destroy();
    silent.close();
  }
});

test("a request waiting for a new connection takes the one a finished answer frees", async () => {
  const gate = new SetupGate(1);
  const f = keepAliveFetcher({ ca, ...client, gate, maxSockets: 2 });
  expect((await f(`${base}/json`, { method: "GET" })).status).toBe(200);
  const before = connections;
  // The gate's one slot is taken elsewhere: no second connection can be set up.
  gate.enter(() => {});
  const streaming = await f(`${base}/stream`, { method: "GET" });
  const next = f(`${base}/json`, { method: "GET" });
  await Bun.sleep(50);
  expect(gate.load).toEqual({ running: 1, queued: 1 });
  releaseStream!();
  await streaming.text();
  expect((await next).status).toBe(200);
  expect(since(before)).toBe(0);
  // The setup asked for is no longer needed when its turn comes, and gives its slot back.
  gate.leave();
  expect(gate.load).toEqual({ running: 0, queued: 0 });
  expect(since(before)).toBe(0);
});

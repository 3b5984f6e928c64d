import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import type { Duplex } from "node:stream";
import { serveHttp1, type Http1Handlers } from "./connection.ts";
import { markPushBody } from "../push-body.ts";

let server: net.Server;
let port: number;
const upgrades: { target: string; rest: string; socket: Duplex }[] = [];
const seen: { method: string; url: string; body: string }[] = [];
let foreverAborted = false;

const handlers: Http1Handlers = {
  async fetch(req) {
    const url = new URL(req.url);
    const body = req.body ? Buffer.from(await req.arrayBuffer()).toString() : "";
    seen.push({ method: req.method, url: url.pathname + url.search, body });
    if (url.pathname === "/stream") {
      let i = 0;
      return new Response(new ReadableStream({ async pull(c) { await Bun.sleep(5); if (i++ < 3) c.enqueue(new TextEncoder().encode(`line${i}\n`)); else c.close(); } }));
    }
    if (url.pathname.startsWith("/sized/")) {
      // Three pieces of 6 bytes, streamed, with the length the handler says they make.
      let i = 0;
      const stream = new ReadableStream({ async pull(c) { await Bun.sleep(5); if (i++ < 3) c.enqueue(new TextEncoder().encode(`line${i}\n`)); else c.close(); } });
      return new Response(stream, { headers: { "content-length": url.pathname.slice("/sized/".length) } });
    }
    if (url.pathname === "/push") {
      const stream = new ReadableStream<Uint8Array>();
      markPushBody(stream, { attach(sink) { sink.write(new TextEncoder().encode("a\n")); sink.write(new TextEncoder().encode("b\n")); setTimeout(() => sink.end(), 5); return () => {}; } });
      return new Response(stream);
    }
    if (url.pathname === "/secret") return new Response("no", { status: 401 });
    if (url.pathname === "/big") return new Response("x".repeat(1 << 20));
    if (url.pathname === "/forever") {
      req.signal.addEventListener("abort", () => (foreverAborted = true));
      return new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("started\n")); } }));
    }
    return new Response(`${req.method} ${url.pathname} ${body.length}`, { headers: { "x-test": "1" } });
  },
  authenticate: async (head) => (new URL(head.url).pathname === "/anonymous" ? undefined : "public"),
  upgrade(head, socket, rest) {
    upgrades.push({ target: head.target, rest: rest.toString(), socket });
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n");
    socket.on("data", (d: Buffer) => socket.write(`echo:${d}`));
  },
};

beforeAll(async () => {
  server = net.createServer((s) => serveHttp1(s, handlers, { headerMs: 2000, idleMs: 2000, bodyMs: 300 }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => server.close());

/** Sends `wire` (in parts, with a pause between) and returns all that came back until the server closed or `untilMs`. */
async function exchange(parts: string[], untilMs = 400): Promise<{ text: string; closed: boolean }> {
  const s = net.connect(port, "127.0.0.1");
  let text = "";
  let closed = false;
  s.on("data", (d) => (text += d.toString("latin1")));
  s.on("close", () => (closed = true));
  s.on("error", () => {});
  await new Promise((r) => s.once("connect", r));
  for (const p of parts) {
    s.write(p);
    await Bun.sleep(20);
  }
  const end = Date.now() + untilMs;
  while (!closed && Date.now() < end) await Bun.sleep(10);
  s.destroy();
  return { text, closed };
}

const responses = (text: string) => text.split(/(?=HTTP\/1\.1 \d{3})/).filter(Boolean);

describe("serveHttp1", () => {
  test("keep-alive and pipelining: answers in order, each with a Content-Length and a Date", async () => {
    const { text, closed } = await exchange(["GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.1\r\n\r\n"]);
    const r = responses(text);
    expect(r.length).toBe(3);
    expect(r[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r[0]).toContain("content-length: 8\r\n");
    expect(r[0]).toMatch(/\r\ndate: \w{3}, \d{2} \w{3} \d{4}/);
    expect(r[0]!.endsWith("GET /a 0")).toBe(true);
    expect(r[1]!.endsWith("POST /b 3")).toBe(true);
    expect(r[2]!.endsWith("GET /c 0")).toBe(true);
    expect(closed).toBe(false);
  });

  test("a chunked request body, split anywhere, reaches the handler whole; Expect: 100-continue is answered", async () => {
    const before = seen.length;
    const { text } = await exchange(["PUT /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n", "4\r\nabcd\r", "\n3\r\nefg\r\n0\r\n\r\n"]);
    expect(text.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")).toBe(true);
    expect(seen[before]).toEqual({ method: "PUT", url: "/up", body: "abcdefg" });
  });

  test("Connection: close and HTTP/1.0 end the connection after the answer", async () => {
    const a = await exchange(["GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n"]);
    expect(responses(a.text).length).toBe(1);
    expect(a.text).toContain("connection: close\r\n");
    expect(a.closed).toBe(true);
    expect((await exchange(["GET /a HTTP/1.0\r\n\r\n"])).closed).toBe(true);
  });

  test("an HTTP/1.0 client gets a streamed body as it is, ended by the connection's close (it knows no chunked coding)", async () => {
    const streamed = await exchange(["GET /stream HTTP/1.0\r\n\r\n"]);
    expect(streamed.text).not.toContain("transfer-encoding");
    expect(streamed.text.endsWith("\r\n\r\nline1\nline2\nline3\n")).toBe(true);
    expect(streamed.closed).toBe(true);
  });

  test("HEAD and 204-style answers carry no body", async () => {
    const { text } = await exchange(["HEAD /a HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\n"]);
    const r = responses(text);
    expect(r.length).toBe(2);
    expect(r[0]!.endsWith("\r\n\r\n")).toBe(true);
  });

  test("streamed and pushed bodies go out chunked, and the connection stays usable", async () => {
    const { text } = await exchange(["GET /stream HTTP/1.1\r\n\r\n", "GET /push HTTP/1.1\r\n\r\n", "GET /a HTTP/1.1\r\n\r\n"], 300);
    const r = responses(text);
    expect(r.length).toBe(3);
    expect(r[0]).toContain("transfer-encoding: chunked\r\n");
    expect(r[0]!.endsWith("6\r\nline1\n\r\n6\r\nline2\n\r\n6\r\nline3\n\r\n0\r\n\r\n")).toBe(true);
    expect(r[1]!.endsWith("2\r\na\n\r\n2\r\nb\n\r\n0\r\n\r\n")).toBe(true);
    expect(r[2]!.endsWith("GET /a 0")).toBe(true);
  });

  test("a streamed body of known length goes out as it is with its Content-Length, and the connection stays usable", async () => {
    const { text, closed } = await exchange(["GET /sized/18 HTTP/1.1\r\n\r\n", "GET /a HTTP/1.1\r\n\r\n"], 300);
    const r = responses(text);
    expect(r.length).toBe(2);
    expect(r[0]).toContain("content-length: 18\r\n");
    expect(r[0]).not.toContain("transfer-encoding");
    expect(r[0]!.endsWith("\r\n\r\nline1\nline2\nline3\n")).toBe(true);
    expect(r[1]!.endsWith("GET /a 0")).toBe(true);
    expect(closed).toBe(false);
  });

  test("a streamed body that is not the length it said ends the connection, so the answer cannot pass for whole", async () => {
    for (const declared of [12, 24]) {
      const { text, closed } = await exchange([`GET /sized/${declared} HTTP/1.1\r\n\r\n`, "GET /a HTTP/1.1\r\n\r\n"], 500);
      expect(closed).toBe(true);
      expect(text).toContain(`content-length: ${declared}\r\n`);
      expect(text).not.toContain("GET /a 0");
      // Never more bytes than said.
      expect(text.slice(text.indexOf("\r\n\r\n") + 4).length).toBeLessThanOrEqual(declared);
    }
  });

  test("bad heads get Go's plain answers and the connection ends: smuggling framing, folding, too large, HTTP/2", async () => {
    for (const [wire, status] of [
      ["POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", "400 Bad Request"],
      ["GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "400 Bad Request"],
      [`GET / HTTP/1.1\r\nX: ${"a".repeat(70_000)}\r\n\r\n`, "431 Request Header Fields Too Large"],
      ["GET / HTTP/2.0\r\n\r\n", "505 HTTP Version Not Supported"],
      ["POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "501 Not Implemented"],
    ] as const) {
      const before = seen.length;
      const { text, closed } = await exchange([wire]);
      expect(text.startsWith(`HTTP/1.1 ${status}\r\n`)).toBe(true);
      expect(closed).toBe(true);
      expect(seen.length).toBe(before);
    }
  });

  test("a bad request-target is a 400 Status, not a handler call", async () => {
    const before = seen.length;
    const { text, closed } = await exchange(["GET http://evil/ HTTP/1.1\r\n\r\n"]);
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain('"kind":"Status"');
    expect(closed).toBe(true);
    expect(seen.length).toBe(before);
  });

  test("an unauthenticated head is answered 401 without its body being read", async () => {
    const before = seen.length;
    const { text, closed } = await exchange(["POST /anonymous HTTP/1.1\r\nContent-Length: 100000000\r\n\r\npartial"]);
    expect(text).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(closed).toBe(true);
    expect(seen.length).toBe(before);
  });

  test("a body that stalls is cut off at the body deadline", async () => {
    const { closed } = await exchange(["POST /slow HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"], 800);
    expect(closed).toBe(true);
  });

  test("an upgrade hands the socket over with the bytes after the head, and it flows for the taker", async () => {
    const { text } = await exchange(["GET /tunnel HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\nearly", "late"]);
    expect(upgrades.at(-1)?.target).toBe("/tunnel");
    expect(upgrades.at(-1)?.rest).toBe("early");
    expect(text).toBe("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\necho:late");
  });
});

test("pipelined requests from a client that reads no answers wait for the answers to leave: the server does not pile them up", async () => {
  const before = seen.length;
  const s = net.connect(port, "127.0.0.1");
  s.on("error", () => {});
  await new Promise((r) => s.once("connect", r));
  s.pause();
  // Each answer is 1 MiB.
  s.write("GET /big HTTP/1.1\r\n\r\n".repeat(200));
  await Bun.sleep(500);
  const served = seen.length - before;
  s.destroy();
  expect(served).toBeGreaterThan(0);
  expect(served).toBeLessThan(200);
});

test("a client that hangs up during a long answer (a watch, a log follow) aborts its request at once, with nothing written to notice it", async () => {
  foreverAborted = false;
  const s = net.connect(port, "127.0.0.1");
  s.on("error", () => {});
  let text = "";
  s.on("data", (d) => (text += d));
  await new Promise((r) => s.once("connect", r));
  s.write("GET /forever HTTP/1.1\r\n\r\n");
  for (const deadline = Date.now() + 2000; !text.includes("started") && Date.now() < deadline; ) await Bun.sleep(10);
  expect(text).toContain("started");
  expect(foreverAborted).toBe(false);
  s.end();
  for (const deadline = Date.now() + 1000; !foreverAborted && Date.now() < deadline; ) await Bun.sleep(10);
  expect(foreverAborted).toBe(true);
  s.destroy();
});

test("a connection that misses its deadline is closed, and which deadline it missed is told", async () => {
  const missed: string[] = [];
  const strict = net.createServer((s) => serveHttp1(s, { ...handlers, expired: (d) => missed.push(d) }, { headerMs: 150, idleMs: 100, bodyMs: 300 }));
  await new Promise<void>((r) => strict.listen(0, "127.0.0.1", () => r()));
  const at = (strict.address() as net.AddressInfo).port;
  const closedAfter = async (send?: string) => {
    const s = net.connect(at, "127.0.0.1", () => send && s.write(send));
    s.on("error", () => {});
    s.resume();
    await new Promise((r) => s.once("close", r));
  };
  try {
    await closedAfter();
    await closedAfter("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(missed).toEqual(["header", "idle"]);
  } finally {
    strict.close();
  }
});

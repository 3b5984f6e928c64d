import { describe, expect, test } from "bun:test";
import type { IncomingMessage } from "node:http";
import { duplexPair } from "../../../test/helpers/duplex-pair.ts";
import { serveUpgrade, writeResponse, type UpgradeFetch } from "./upgrade.ts";
import { REQUEST_ORIGIN } from "../../http/request-target.ts";

function readAll(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((r) => {
    let t = "";
    s.on("data", (c: Buffer) => (t += c.toString()));
    s.on("end", () => r(t));
  });
}

function incoming(url: string, headers: Record<string, string>): IncomingMessage {
  return { url, method: "GET", headers, rawHeaders: Object.entries(headers).flat() } as unknown as IncomingMessage;
}

describe("upgrades through the app", () => {
  test("a refusal is written as an HTTP response and the connection closed", async () => {
    const [here, there] = duplexPair();
    const text = readAll(there);
    await writeResponse(here, new Response(JSON.stringify({ kind: "Status", code: 400 }), { status: 400, headers: { "content-type": "application/json" } }));
    const out = await text;
    expect(out).toStartWith("HTTP/1.1 400 Bad Request\r\n");
    expect(out).toContain("content-type: application/json\r\n");
    expect(out).toContain("connection: close\r\n\r\n");
    expect(out).toEndWith('{"kind":"Status","code":400}');
  });

  test("the request reaches the app with its headers, peer and connection; a taken socket is left alone", async () => {
    const [here, there] = duplexPair();
    const seen: Array<{ url: string; protocol: string | null; peer: string | undefined }> = [];
    const fetch: UpgradeFetch = (req, env) => {
      seen.push({ url: req.url, protocol: req.headers.get("sec-websocket-protocol"), peer: env.peer.subject?.CN });
      env.upgrade.taken = true;
      env.upgrade.socket.end("taken over");
      return new Response("ignored", { status: 500 });
    };
    const text = readAll(there);
    await serveUpgrade(fetch, incoming("/api/v1/namespaces/a/pods/b/exec?command=ls", { host: "h", upgrade: "websocket", "sec-websocket-protocol": "v5.channel.k8s.io" }), here, Buffer.alloc(0), { authorized: true, subject: { CN: "admin" } });
    expect(await text).toBe("taken over");
    expect(seen).toEqual([{ url: `${REQUEST_ORIGIN}/api/v1/namespaces/a/pods/b/exec?command=ls`, protocol: "v5.channel.k8s.io", peer: "admin" }]);
  });

  // Each of these Hosts once threw from `new Request(…)` outside any try, and the unhandled
  // rejection ended the server.
  test.each(["a b", "[", "%zz", "a:b:c"])("Host %p neither throws nor routes: the request reaches the app at its path", async (host) => {
    const [here, there] = duplexPair();
    const urls: string[] = [];
    const text = readAll(there);
    await serveUpgrade((req) => (urls.push(req.url), new Response("no", { status: 403 })), incoming("/api/v1/pods?watch=1", { host, upgrade: "websocket" }), here, Buffer.alloc(0), { authorized: false });
    expect(urls).toEqual([`${REQUEST_ORIGIN}/api/v1/pods?watch=1`]);
    expect(await text).toStartWith("HTTP/1.1 403 Forbidden\r\n");
  });

  test("a dot-segment target gets a 400 Status and never reaches the app or the takeover hook", async () => {
    const [here, there] = duplexPair();
    let reached = 0;
    const text = readAll(there);
    await serveUpgrade(() => (reached++, new Response("")), incoming("/api/v1/namespaces/default/configmaps/%2e%2e", { host: "h", upgrade: "websocket" }), here, Buffer.alloc(0), { authorized: true }, () => (reached++, true));
    const out = await text;
    expect(reached).toBe(0);
    expect(out).toStartWith("HTTP/1.1 400 Bad Request\r\n");
    expect(JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4))).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest" });
  });

  test.each([
    ["the app throws", (() => { throw new Error("boom"); }) as UpgradeFetch, undefined],
    ["the app rejects", (async () => { throw new Error("boom"); }) as UpgradeFetch, undefined],
    ["the takeover hook throws", (() => new Response("")) as UpgradeFetch, () => { throw new Error("boom"); }],
  ])("%s: a 500 Status is written and serveUpgrade still resolves", async (_name, fetch, takeover) => {
    const [here, there] = duplexPair();
    const text = readAll(there);
    await serveUpgrade(fetch, incoming("/api/v1/pods", { host: "h", upgrade: "websocket" }), here, Buffer.alloc(0), { authorized: true }, takeover);
    const out = await text;
    expect(out).toStartWith("HTTP/1.1 500 Internal Server Error\r\n");
    expect(JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4))).toMatchObject({ kind: "Status", code: 500, reason: "InternalError" });
  });

  test("a thrown value that cannot even be printed still ends in a closed socket, not a rejection", async () => {
    const [here, there] = duplexPair();
    there.on("error", () => {});
    here.on("error", () => {});
    const unprintable = Object.create(null);
    await serveUpgrade(() => { throw unprintable; }, incoming("/api/v1/pods", { host: "h", upgrade: "websocket" }), here, Buffer.alloc(0), { authorized: true });
    expect(here.destroyed).toBe(true);
  });

  test("a slow client leaves no close listeners behind", async () => {
    const [here, there] = duplexPair();
    const chunks = 200;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < chunks; i++) c.enqueue(new Uint8Array(64 * 1024));
        c.close();
      },
    });
    const baseline = here.listenerCount("close");
    const done = writeResponse(here, new Response(body));
    let max = 0;
    // Read slowly, so that writes wait for 'drain' over and over.
    there.on("data", () => {
      max = Math.max(max, here.listenerCount("close"));
      there.pause();
      setImmediate(() => there.resume());
    });
    await done;
    expect(max).toBeLessThanOrEqual(baseline + 2);
  });
});

import { describe, expect, test } from "bun:test";
import type { IncomingMessage } from "node:http";
import { duplexPair } from "../../test/helpers/duplex-pair.ts";
import { serveUpgrade, writeResponse, type UpgradeFetch } from "./upgrade.ts";

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
    expect(seen).toEqual([{ url: "https://h/api/v1/namespaces/a/pods/b/exec?command=ls", protocol: "v5.channel.k8s.io", peer: "admin" }]);
  });
});

import { describe, expect, test } from "bun:test";
import type { Duplex } from "node:stream";
import { duplexPair } from "../../test/helpers/duplex-pair.ts";
import { readBody, readResponseHead, relay, requestHead } from "./http-upgrade.ts";

function collect(s: Duplex): Promise<string> {
  return new Promise((r) => {
    let t = "";
    s.on("data", (c: Buffer) => (t += c.toString()));
    s.on("end", () => r(t));
    // A stream readResponseHead left paused flows again only when asked.
    s.resume();
  });
}

describe("HTTP upgrade, client half", () => {
  test("the request head: one line per header, CR/LF in values neutralised", () => {
    expect(requestHead("POST", "/exec/t", [["Upgrade", "SPDY/3.1"], ["X-Stream-Protocol-Version", "v4.channel.k8s.io"], ["X-Bad", "a\r\nb"]])).toBe(
      "POST /exec/t HTTP/1.1\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Bad: a  b\r\n\r\n",
    );
  });

  test("the response head is read in pieces; what follows it stays for the next reader", async () => {
    const [a, b] = duplexPair();
    const head = readResponseHead(a);
    b.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: v3");
    b.write(".channel.k8s.io\r\n\r\nFRAMES");
    const res = await head;
    expect(res.status).toBe(101);
    expect(res.statusText).toBe("Switching Protocols");
    expect(res.headers["x-stream-protocol-version"]).toEqual(["v4.channel.k8s.io", "v3.channel.k8s.io"]);
    expect(res.raw.toString()).toEndWith("v3.channel.k8s.io\r\n\r\n");
    const rest = collect(a);
    b.end("+MORE");
    expect(await rest).toBe("FRAMES+MORE");
  });

  test("a refusal's body is read to its length; a closed connection is an error", async () => {
    const [a, b] = duplexPair();
    const head = readResponseHead(a);
    b.write("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 28\r\n\r\ncontainer not found (\"app\")\n");
    const res = await head;
    expect(res.status).toBe(500);
    expect((await readBody(a, res)).toString()).toBe('container not found ("app")\n');
    const [c, d] = duplexPair();
    const failed = readResponseHead(c);
    d.end("HTTP/1.1 10");
    await expect(failed).rejects.toThrow("closed before a response");
    const [e, f] = duplexPair();
    const garbage = readResponseHead(e);
    f.write("SSH-2.0-OpenSSH\r\n\r\n");
    await expect(garbage).rejects.toThrow("not an HTTP response");
  });

  test("relay passes bytes and half-closes both ways", async () => {
    const [clientEnd, relayA] = duplexPair();
    const [relayB, upstreamEnd] = duplexPair();
    const done = relay(relayA, relayB);
    const atUpstream = collect(upstreamEnd);
    const atClient = collect(clientEnd);
    clientEnd.end("to upstream");
    expect(await atUpstream).toBe("to upstream");
    upstreamEnd.end("to client");
    expect(await atClient).toBe("to client");
    clientEnd.destroy();
    upstreamEnd.destroy();
    await done;
  });
});

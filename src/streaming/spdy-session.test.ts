import { describe, expect, test } from "bun:test";
import type { Duplex } from "node:stream";
import { duplexPair } from "../../test/helpers/duplex-pair.ts";
import zlib from "node:zlib";
import { SpdySession, type SpdyStream } from "./spdy-session.ts";
import { encodeHeaderBlock, SPDY_DICTIONARY } from "./spdy-headers.ts";
import { encodePing, encodeSynStream, SpdyFrameParser, type SpdyFrame } from "./spdy-frames.ts";

async function until(fn: () => boolean): Promise<void> {
  while (!fn()) await Bun.sleep(1);
}

function readAll(s: SpdyStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    s.on("data", (c: Buffer) => (text += c.toString()));
    s.on("end", () => resolve(text));
    s.on("error", reject);
  });
}

/** The frames one side writes, decoded (header blocks left compressed). */
function tap(d: Duplex): SpdyFrame[] {
  const frames: SpdyFrame[] = [];
  const parser = new SpdyFrameParser();
  const orig = d.write.bind(d);
  d.write = ((chunk: any, ...rest: any[]) => {
    frames.push(...parser.push(Buffer.from(chunk)));
    return orig(chunk, ...rest);
  }) as typeof d.write;
  return frames;
}

describe("SPDY session", () => {
  test("a client opens streams the server accepts; bytes and half-closes flow both ways", async () => {
    const [a, b] = duplexPair();
    const accepted: SpdyStream[] = [];
    const server = new SpdySession(b, {
      side: "server",
      onStream: (s) => {
        accepted.push(s);
        s.reply();
        // An echo that answers once the client is done writing.
        void readAll(s).then((text) => s.end(`echo:${text}`));
      },
    });
    const client = new SpdySession(a, { side: "client" });
    const one = await client.open({ streamType: "stdin", port: "80" });
    const two = await client.open({ streamtype: "stdout" });
    expect([one.id, two.id]).toEqual([1, 3]);
    expect(accepted.map((s) => s.headers)).toEqual([{ streamtype: ["stdin"], port: ["80"] }, { streamtype: ["stdout"] }]);
    const answers = [readAll(one), readAll(two)];
    one.write("hello ");
    one.end("world");
    two.end();
    expect(await Promise.all(answers)).toEqual(["echo:hello world", "echo:"]);
    client.close();
    expect(await server.done).toContain("closed");
    expect(await client.done).toContain("closed");
  });

  test("without a stream handler the server refuses, and open() rejects", async () => {
    const [a, b] = duplexPair();
    new SpdySession(b, { side: "server" });
    const client = new SpdySession(a, { side: "client" });
    await expect(client.open({ streamtype: "error" })).rejects.toThrow("refused stream 1");
    client.destroy();
  });

  test("the connection's end is EOF for every stream and fails pending opens", async () => {
    const [a, b] = duplexPair();
    let accepted: SpdyStream | undefined;
    const server = new SpdySession(b, { side: "server", onStream: (s) => (accepted = s, s.write("partial")) });
    const client = new SpdySession(a, { side: "client" });
    const s = await client.open({ streamtype: "stdout" });
    const text = readAll(s);
    await until(() => accepted !== undefined);
    server.close();
    expect(await text).toBe("partial");
    await expect(client.open({ streamtype: "stderr" })).rejects.toThrow();
  });

  test("the peer's pings are echoed, ours are not", async () => {
    const [a, b] = duplexPair();
    const sent = tap(b);
    new SpdySession(b, { side: "server" });
    a.write(Buffer.concat([encodePing(1), encodePing(2), encodePing(3)]));
    await until(() => sent.length === 2);
    expect(sent).toEqual([{ type: "ping", id: 1 }, { type: "ping", id: 3 }]);
  });

  test("a SYN_STREAM compressed as a Go peer does it (dictionary, sync flush) is read", async () => {
    const [a, b] = duplexPair();
    const got: SpdyStream[] = [];
    const sent = tap(b);
    new SpdySession(b, { side: "server", onStream: (s) => (got.push(s), s.reply()) });
    const deflate = zlib.createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
    const out: Buffer[] = [];
    deflate.on("data", (c: Buffer) => out.push(c));
    const compress = (h: Record<string, string>) =>
      new Promise<Buffer>((r) => (deflate.write(encodeHeaderBlock(h)), deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => r(Buffer.concat(out.splice(0))))));
    a.write(encodeSynStream(1, await compress({ streamtype: "error", port: "8080", requestid: "0" })));
    a.write(encodeSynStream(3, await compress({ streamtype: "data", port: "8080", requestid: "0" })));
    await until(() => sent.length === 2);
    expect(got.map((s) => s.headers.streamtype![0])).toEqual(["error", "data"]);
    expect(got[0]!.headers.requestid).toEqual(["0"]);
    expect(sent.map((f) => [f.type, (f as any).streamId])).toEqual([["syn_reply", 1], ["syn_reply", 3]]);
  });

  test("stream ids that go backwards or have the wrong parity are reset", async () => {
    const [a, b] = duplexPair();
    const sent = tap(b);
    new SpdySession(b, { side: "server", onStream: (s) => s.reply() });
    const compressor = new (await import("./spdy-headers.ts")).HeaderCompressor();
    a.write(encodeSynStream(2, compressor.compress(encodeHeaderBlock({}))));
    a.write(encodeSynStream(5, compressor.compress(encodeHeaderBlock({}))));
    a.write(encodeSynStream(3, compressor.compress(encodeHeaderBlock({}))));
    await until(() => sent.length === 3);
    expect(sent.map((f) => [f.type, (f as any).streamId])).toEqual([["rst_stream", 2], ["syn_reply", 5], ["rst_stream", 3]]);
  });
});

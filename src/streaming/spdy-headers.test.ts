import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import zlib from "node:zlib";
import { decodeHeaderBlock, encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, SPDY_DICTIONARY } from "./spdy-headers.ts";

/** What a Go peer (moby/spdystream's framer) sends: one deflate stream with the dictionary, a sync flush per block. */
function goLikeCompressor() {
  const d = zlib.createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  const chunks: Buffer[] = [];
  d.on("data", (c: Buffer) => chunks.push(c));
  return (block: Buffer) =>
    new Promise<Buffer>((r) => {
      d.write(block);
      d.flush(zlib.constants.Z_SYNC_FLUSH, () => r(Buffer.concat(chunks.splice(0))));
    });
}

describe("SPDY header blocks", () => {
  test("the dictionary is the spec's 1423 bytes", () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(SPDY_DICTIONARY.subarray(0, 11)).toEqual(Buffer.from("\0\0\0\x07options", "latin1"));
    expect(SPDY_DICTIONARY.subarray(-6).toString()).toBe("enq=0.");
    // The digest other implementations pin moby/spdystream's headerDictionary to.
    expect(createHash("sha256").update(SPDY_DICTIONARY).digest("hex")).toBe("51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02");
  });

  test("name/value blocks: lowercase names, several values NUL-joined", () => {
    const block = encodeHeaderBlock({ StreamType: "error", Port: "8080", requestid: "0", multi: ["a", "b"] });
    expect(block.readUInt32BE(0)).toBe(4);
    expect(decodeHeaderBlock(block)).toEqual({ streamtype: ["error"], port: ["8080"], requestid: ["0"], multi: ["a", "b"] });
    expect(() => decodeHeaderBlock(block.subarray(0, block.length - 1))).toThrow("cut short");
  });

  test("our stored-block stream inflates with the dictionary, block by block, like a Go peer reads it", async () => {
    const out = new HeaderCompressor();
    const a = out.compress(encodeHeaderBlock({ streamtype: "stdin" }));
    const b = out.compress(encodeHeaderBlock({ streamtype: "stdout" }));
    const big = out.compress(encodeHeaderBlock({ x: "y".repeat(70_000) }));
    expect(a.subarray(0, 2)).toEqual(Buffer.from([0x78, 0x01]));
    expect(b[0]).toBe(0);
    // Every block ends at a sync-flush point, the only place Go's inflater hands out stored bytes.
    for (const part of [a, b, big]) expect([...part.subarray(-5)]).toEqual([0, 0, 0, 0xff, 0xff]);
    // Our own reader is the same zlib inflater a Go peer's framer keeps per connection.
    const inflater = new HeaderDecompressor();
    const decoded = [];
    for (const part of [a, b, big]) decoded.push(decodeHeaderBlock(await inflater.decompress(part)));
    expect(decoded[0]).toEqual({ streamtype: ["stdin"] });
    expect(decoded[1]).toEqual({ streamtype: ["stdout"] });
    expect(decoded[2]!.x![0]!.length).toBe(70_000);
    inflater.close();
  });

  test("a Go-style compressed stream (dictionary, shared context) decodes block by block", async () => {
    const compress = goLikeCompressor();
    const blocks: Record<string, string>[] = [{ streamtype: "error", port: "80", requestid: "1" }, { streamtype: "data", port: "80", requestid: "1" }, {}];
    const wire = [];
    for (const h of blocks) wire.push(await compress(encodeHeaderBlock(h)));
    const inflater = new HeaderDecompressor();
    const decoded = await Promise.all(wire.map((w) => inflater.decompress(w)));
    expect(decoded.map(decodeHeaderBlock)).toEqual(blocks.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, [v]]))));
    inflater.close();
  });

  test("garbage fails the block and every later one", async () => {
    const inflater = new HeaderDecompressor();
    await expect(inflater.decompress(Buffer.from("not zlib at all"))).rejects.toThrow();
    await expect(inflater.decompress(Buffer.from([0x78, 0x01]))).rejects.toThrow();
  });
});

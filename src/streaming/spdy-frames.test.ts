import { describe, expect, test } from "bun:test";
import { encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSynReply, encodeSynStream, RstStatus, SpdyFrameParser, SpdyProtocolError } from "./spdy-frames.ts";

describe("SPDY frames", () => {
  test("control frame headers are laid out as the spec draws them", () => {
    // PING, id 1: 0x8003 0006, flags 0, length 4.
    expect([...encodePing(1)]).toEqual([0x80, 0x03, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]);
    // DATA on stream 3 with FIN and 2 bytes.
    expect([...encodeData(3, Buffer.from("hi"), true)]).toEqual([0, 0, 0, 3, 1, 0, 0, 2, 104, 105]);
    // SYN_STREAM: id, associated id, priority in the top 3 bits, slot, then the block.
    const syn = encodeSynStream(5, Buffer.from([0xaa]), { priority: 7 });
    expect([...syn.subarray(0, 8)]).toEqual([0x80, 0x03, 0x00, 0x01, 0, 0, 0, 11]);
    expect([...syn.subarray(8)]).toEqual([0, 0, 0, 5, 0, 0, 0, 0, 0xe0, 0, 0xaa]);
  });

  test("every frame kind round-trips, whatever the chunking", () => {
    const wire = Buffer.concat([
      encodeSynStream(1, Buffer.from("block"), { fin: true }),
      encodeSynReply(2, Buffer.from("r")),
      encodeData(1, Buffer.alloc(1000, 9)),
      encodeData(1, Buffer.alloc(0), true),
      encodeRstStream(1, RstStatus.Cancel),
      encodePing(7),
      encodeGoAway(5),
    ]);
    const p = new SpdyFrameParser();
    const frames = [];
    for (let i = 0; i < wire.length; i += 3) frames.push(...p.push(wire.subarray(i, i + 3)));
    expect(frames.map((f) => f.type)).toEqual(["syn_stream", "syn_reply", "data", "data", "rst_stream", "ping", "goaway"]);
    expect(frames[0]).toMatchObject({ streamId: 1, fin: true, unidirectional: false, headerBlock: Buffer.from("block") });
    expect(frames[1]).toMatchObject({ streamId: 2, fin: false, headerBlock: Buffer.from("r") });
    expect(frames[2]).toMatchObject({ streamId: 1, fin: false });
    expect((frames[2] as { data: Buffer }).data.length).toBe(1000);
    expect(frames[3]).toMatchObject({ streamId: 1, fin: true });
    expect(frames[4]).toEqual({ type: "rst_stream", streamId: 1, status: RstStatus.Cancel });
    expect(frames[5]).toEqual({ type: "ping", id: 7 });
    expect(frames[6]).toEqual({ type: "goaway", lastStreamId: 5, status: 0 });
  });

  test("frames the streaming peers never send are tolerated, other versions refused", () => {
    const settings = Buffer.from([0x80, 0x03, 0x00, 0x04, 0, 0, 0, 4, 0, 0, 0, 0]);
    const window = Buffer.from([0x80, 0x03, 0x00, 0x09, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0x10, 0]);
    expect(new SpdyFrameParser().push(Buffer.concat([settings, window]))).toEqual([{ type: "settings" }, { type: "window_update", streamId: 1, delta: 4096 }]);
    const v2 = Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]);
    expect(() => new SpdyFrameParser().push(v2)).toThrow(SpdyProtocolError);
  });
});

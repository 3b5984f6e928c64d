import { describe, expect, test } from "bun:test";
import { acceptKey, closePayload, encodeFrame, Opcode, WebSocketFrameParser, WebSocketProtocolError } from "./websocket-frames.ts";

const MASK = Buffer.from([1, 2, 3, 4]);

describe("websocket frames", () => {
  test("the accept key of RFC 6455's example", () => {
    expect(acceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  test.each([
    ["empty", 0, 2],
    ["short", 125, 2],
    ["16-bit length", 126, 4],
    ["16-bit length, largest", 65535, 4],
    ["64-bit length", 65536, 10],
  ])("%s payloads round-trip masked and unmasked", (_name, size, headerBytes) => {
    const payload = Buffer.alloc(size, 7);
    const unmasked = encodeFrame(Opcode.Binary, payload);
    expect(unmasked.length).toBe(headerBytes + size);
    expect(new WebSocketFrameParser({ expectMasked: false }).push(unmasked)).toEqual([{ fin: true, opcode: Opcode.Binary, payload }]);
    const masked = encodeFrame(Opcode.Binary, payload, { mask: MASK });
    expect(masked.length).toBe(headerBytes + 4 + size);
    expect(new WebSocketFrameParser().push(masked)).toEqual([{ fin: true, opcode: Opcode.Binary, payload }]);
  });

  test("frames split anywhere and glued together come out whole and in order", () => {
    const bytes = Buffer.concat([
      encodeFrame(Opcode.Binary, Buffer.from([1, 104, 105]), { mask: MASK }),
      encodeFrame(Opcode.Ping, Buffer.from("p"), { mask: MASK }),
      encodeFrame(Opcode.Binary, Buffer.alloc(300, 1), { mask: MASK, fin: false }),
    ]);
    const p = new WebSocketFrameParser();
    const frames = [];
    for (let i = 0; i < bytes.length; i += 7) frames.push(...p.push(bytes.subarray(i, i + 7)));
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).toEqual([[Opcode.Binary, true, 3], [Opcode.Ping, true, 1], [Opcode.Binary, false, 300]]);
    expect([...frames[0]!.payload]).toEqual([1, 104, 105]);
  });

  test("protocol violations are refused", () => {
    expect(() => new WebSocketFrameParser().push(encodeFrame(Opcode.Binary, Buffer.from("x")))).toThrow(WebSocketProtocolError);
    expect(() => new WebSocketFrameParser().push(encodeFrame(Opcode.Ping, Buffer.alloc(126), { mask: MASK }))).toThrow("control frame");
    const reserved = encodeFrame(Opcode.Binary, Buffer.from("x"), { mask: MASK });
    reserved[0] |= 0x40;
    expect(() => new WebSocketFrameParser().push(reserved)).toThrow("reserved bits");
    try {
      new WebSocketFrameParser({ maxPayload: 10 }).push(encodeFrame(Opcode.Binary, Buffer.alloc(11), { mask: MASK }));
      throw new Error("not refused");
    } catch (e) {
      expect((e as WebSocketProtocolError).code).toBe(1009);
    }
  });

  test("a close payload carries the code and a reason cut at 123 bytes", () => {
    const p = closePayload(1000, "x".repeat(200));
    expect(p.readUInt16BE(0)).toBe(1000);
    expect(p.length).toBe(125);
  });
});

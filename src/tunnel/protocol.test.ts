import { describe, expect, test } from "bun:test";
import { decodeFrame, encodeFrame, FrameType, payloadWindow, ProtocolError, windowPayload } from "./protocol.ts";

describe("tunnel frames", () => {
  test.each([
    [FrameType.Open, 1, new TextEncoder().encode("agent-api")],
    [FrameType.Data, 0xfffffffe, new Uint8Array([0, 1, 2, 255])],
    [FrameType.End, 7, new Uint8Array()],
    [FrameType.Window, 3, windowPayload(65536)],
  ])("type %d, stream %d round-trips", (type, id, payload) => {
    const f = decodeFrame(encodeFrame(type, id, payload));
    expect(f).toEqual({ type, id, payload });
  });

  test("a frame inside a larger buffer decodes at its offset", () => {
    const buf = new Uint8Array(20);
    buf.set(encodeFrame(FrameType.Window, 9, windowPayload(123)), 7);
    const f = decodeFrame(buf.subarray(7, 16));
    expect(f.id).toBe(9);
    expect(payloadWindow(f.payload)).toBe(123);
  });

  test.each([
    [new Uint8Array([2, 0, 0])],
    [new Uint8Array([0, 0, 0, 0, 1])],
    [new Uint8Array([99, 0, 0, 0, 1])],
  ])("malformed frames are protocol errors", (bytes) => {
    expect(() => decodeFrame(bytes)).toThrow(ProtocolError);
  });

  test("a WINDOW payload must be four bytes", () => {
    expect(() => payloadWindow(new Uint8Array(3))).toThrow(ProtocolError);
  });
});

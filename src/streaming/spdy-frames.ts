/**
 * SPDY/3 frames (draft 3, the "SPDY/3.1" Kubernetes' streaming upgrades name): 8-byte
 * headers — control frames `1 | version(15) | type(16) | flags(8) | length(24)`, data frames
 * `0 | stream id(31) | flags(8) | length(24)`. Header blocks stay opaque here (compressed
 * bytes); spdy-headers.ts reads and writes them.
 *
 * @example
 *   const parser = new SpdyFrameParser();
 *   for (const f of parser.push(chunk)) if (f.type === "data") …;
 *   socket.write(encodeData(1, Buffer.from("hi"), true));
 */

export const SPDY_VERSION = 3;

export const FrameType = { SynStream: 1, SynReply: 2, RstStream: 3, Settings: 4, Ping: 6, GoAway: 7, Headers: 8, WindowUpdate: 9 } as const;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = { ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, UnsupportedVersion: 4, Cancel: 5, InternalError: 6 } as const;

export type SpdyFrame =
  | { type: "data"; streamId: number; fin: boolean; data: Buffer }
  | { type: "syn_stream"; streamId: number; associatedId: number; priority: number; fin: boolean; unidirectional: boolean; headerBlock: Buffer }
  | { type: "syn_reply"; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: "headers"; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: "rst_stream"; streamId: number; status: number }
  | { type: "ping"; id: number }
  | { type: "goaway"; lastStreamId: number; status: number }
  | { type: "window_update"; streamId: number; delta: number }
  | { type: "settings" }
  | { type: "unknown"; frameType: number };

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpdyProtocolError";
  }
}

/** Frames of a connection are read whole; this is far above what the streaming peers send. */
const MAX_FRAME = 16 * 1024 * 1024;
const ID_MASK = 0x7fffffff;

export class SpdyFrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): SpdyFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const out: SpdyFrame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUInt32BE(4) & 0xffffff;
      if (length > MAX_FRAME) throw new SpdyProtocolError(`a frame of ${length} bytes`);
      if (this.buf.length < 8 + length) break;
      const frame = parseFrame(this.buf.subarray(0, 8 + length));
      this.buf = this.buf.subarray(8 + length);
      out.push(frame);
    }
    return out;
  }
}

function parseFrame(b: Buffer): SpdyFrame {
  const first = b.readUInt32BE(0);
  const flags = b[4];
  const body = b.subarray(8);
  if ((first & 0x80000000) === 0) {
    return { type: "data", streamId: first & ID_MASK, fin: (flags & FLAG_FIN) !== 0, data: Buffer.from(body) };
  }
  const version = (first >>> 16) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`SPDY version ${version}; only ${SPDY_VERSION} is spoken`);
  const type = first & 0xffff;
  const need = (n: number) => {
    if (body.length < n) throw new SpdyProtocolError(`control frame ${type} of ${body.length} bytes is too short`);
  };
  switch (type) {
    case FrameType.SynStream:
      need(10);
      return {
        type: "syn_stream", streamId: body.readUInt32BE(0) & ID_MASK, associatedId: body.readUInt32BE(4) & ID_MASK, priority: body[8] >> 5,
        fin: (flags & FLAG_FIN) !== 0, unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0, headerBlock: Buffer.from(body.subarray(10)),
      };
    case FrameType.SynReply:
    case FrameType.Headers:
      need(4);
      return { type: type === FrameType.SynReply ? "syn_reply" : "headers", streamId: body.readUInt32BE(0) & ID_MASK, fin: (flags & FLAG_FIN) !== 0, headerBlock: Buffer.from(body.subarray(4)) };
    case FrameType.RstStream:
      need(8);
      return { type: "rst_stream", streamId: body.readUInt32BE(0) & ID_MASK, status: body.readUInt32BE(4) };
    case FrameType.Ping:
      need(4);
      return { type: "ping", id: body.readUInt32BE(0) };
    case FrameType.GoAway:
      need(8);
      return { type: "goaway", lastStreamId: body.readUInt32BE(0) & ID_MASK, status: body.readUInt32BE(4) };
    case FrameType.WindowUpdate:
      need(8);
      return { type: "window_update", streamId: body.readUInt32BE(0) & ID_MASK, delta: body.readUInt32BE(4) & ID_MASK };
    case FrameType.Settings:
      return { type: "settings" };
    default:
      return { type: "unknown", frameType: type };
  }
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE((0x80000000 | (SPDY_VERSION << 16) | type) >>> 0, 0);
  h.writeUInt32BE(((flags << 24) | body.length) >>> 0, 4);
  return Buffer.concat([h, body]);
}

export function encodeData(streamId: number, data: Uint8Array, fin = false): Buffer {
  const out = Buffer.allocUnsafe(8 + data.length);
  out.writeUInt32BE(streamId & ID_MASK, 0);
  out.writeUInt32BE((((fin ? FLAG_FIN : 0) << 24) | data.length) >>> 0, 4);
  out.set(data, 8);
  return out;
}

export function encodeSynStream(streamId: number, headerBlock: Buffer, o: { fin?: boolean; priority?: number } = {}): Buffer {
  const body = Buffer.alloc(10);
  body.writeUInt32BE(streamId & ID_MASK, 0);
  body.writeUInt32BE(0, 4);
  body[8] = ((o.priority ?? 0) & 7) << 5;
  return control(FrameType.SynStream, o.fin ? FLAG_FIN : 0, Buffer.concat([body, headerBlock]));
}

export function encodeSynReply(streamId: number, headerBlock: Buffer, fin = false): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt32BE(streamId & ID_MASK, 0);
  return control(FrameType.SynReply, fin ? FLAG_FIN : 0, Buffer.concat([body, headerBlock]));
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(streamId & ID_MASK, 0);
  body.writeUInt32BE(status, 4);
  return control(FrameType.RstStream, 0, body);
}

export function encodePing(id: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt32BE(id >>> 0, 0);
  return control(FrameType.Ping, 0, body);
}

export function encodeGoAway(lastStreamId: number, status = 0): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(lastStreamId & ID_MASK, 0);
  body.writeUInt32BE(status, 4);
  return control(FrameType.GoAway, 0, body);
}

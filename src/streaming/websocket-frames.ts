/**
 * RFC 6455 framing, the server's half: frames from clients arrive masked, frames to clients
 * go unmasked. Written here rather than taken from `ws` because the agent's WebSocket ends
 * are not sockets but tunnel streams and raw relays, and the remote-command protocols need
 * control over each binary message (one channel byte, then data) and over the close.
 *
 * @example
 *   const parser = new WebSocketFrameParser();
 *   for (const f of parser.push(chunk)) if (f.opcode === Opcode.Binary) …;
 *   socket.write(encodeFrame(Opcode.Binary, Buffer.from([1, 104, 105])));
 */
import { createHash } from "node:crypto";

export const Opcode = { Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 } as const;

export interface WebSocketFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** A message whose frames break the protocol; the connection must close with `code`. */
export class WebSocketProtocolError extends Error {
  constructor(
    message: string,
    readonly code = 1002,
  ) {
    super(message);
    this.name = "WebSocketProtocolError";
  }
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** One frame; `mask` is for the client's side (tests), servers send none. */
export function encodeFrame(opcode: number, payload: Uint8Array = Buffer.alloc(0), opts: { fin?: boolean; mask?: Uint8Array } = {}): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const maskLen = opts.mask ? 4 : 0;
  const out = Buffer.allocUnsafe(2 + ext + maskLen + len);
  out[0] = (opts.fin === false ? 0 : 0x80) | opcode;
  out[1] = (opts.mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) out.writeUInt16BE(len, 2);
  else if (ext === 8) out.writeBigUInt64BE(BigInt(len), 2);
  const at = 2 + ext + maskLen;
  if (opts.mask) {
    out.set(opts.mask, 2 + ext);
    for (let i = 0; i < len; i++) out[at + i] = payload[i] ^ opts.mask[i & 3];
  } else {
    out.set(payload, at);
  }
  return out;
}

/** A close frame's payload: the code, then a UTF-8 reason of at most 123 bytes. */
export function closePayload(code: number, reason = ""): Buffer {
  const r = Buffer.from(reason).subarray(0, 123);
  const out = Buffer.allocUnsafe(2 + r.length);
  out.writeUInt16BE(code, 0);
  r.copy(out, 2);
  return out;
}

export interface ParserOptions {
  /** Frames from a client must be masked (RFC 6455 §5.1); a client-side parser expects none. */
  expectMasked?: boolean;
  /** The largest frame payload taken. */
  maxPayload?: number;
}

const DEFAULT_MAX = 16 * 1024 * 1024;

/** Splits a byte stream into frames (fragments are left to the connection to join). */
export class WebSocketFrameParser {
  private buf: Buffer = Buffer.alloc(0);
  private readonly expectMasked: boolean;
  private readonly max: number;

  constructor(o: ParserOptions = {}) {
    this.expectMasked = o.expectMasked ?? true;
    this.max = o.maxPayload ?? DEFAULT_MAX;
  }

  push(chunk: Uint8Array): WebSocketFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const frames: WebSocketFrame[] = [];
    for (;;) {
      const f = this.next();
      if (!f) break;
      frames.push(f);
    }
    return frames;
  }

  private next(): WebSocketFrame | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    const fin = (b[0] & 0x80) !== 0;
    if (b[0] & 0x70) throw new WebSocketProtocolError("reserved bits set without a negotiated extension");
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    if (masked !== this.expectMasked) throw new WebSocketProtocolError(masked ? "a masked frame from the server" : "an unmasked frame from the client");
    let len = b[1] & 0x7f;
    let at = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      at = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.max)) throw new WebSocketProtocolError(`a frame of ${big} bytes is over the limit of ${this.max}`, 1009);
      len = Number(big);
      at = 10;
    }
    if (opcode >= 8 && (len > 125 || !fin)) throw new WebSocketProtocolError("a control frame longer than 125 bytes or fragmented");
    if (len > this.max) throw new WebSocketProtocolError(`a frame of ${len} bytes is over the limit of ${this.max}`, 1009);
    const maskAt = at;
    if (masked) at += 4;
    if (b.length < at + len) return undefined;
    const payload = Buffer.from(b.subarray(at, at + len));
    if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[maskAt + (i & 3)];
    this.buf = b.subarray(at + len);
    return { fin, opcode, payload };
  }
}

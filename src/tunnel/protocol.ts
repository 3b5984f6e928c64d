/**
 * The agent tunnel's wire format (K3s's remotedialer idea, with credit-based flow control as
 * in HTTP/2 and yamux): one WebSocket between an agent and the server carries many byte
 * streams. Each binary WebSocket message is one frame:
 *
 *   byte 0      type (FrameType)
 *   bytes 1..4  stream id, uint32 big-endian (0 = the session itself: PING/PONG)
 *   bytes 5..   payload
 *
 *   OPEN    opener → peer   payload: UTF-8 target name ("agent-api"); the peer connects the
 *                           stream to that target or answers CLOSE with an error
 *   DATA    either way      payload: bytes; never more than the receiver has granted
 *   END     either way      the sender will send no more DATA (half-close)
 *   CLOSE   either way      the stream is over in both directions; payload: UTF-8 error
 *                           message, empty for a clean close (the receiver then reads what
 *                           it has and sees end-of-stream; its further writes fail)
 *   WINDOW  either way      payload: uint32 — that many more DATA bytes may be sent
 *   PING / PONG             liveness on stream 0; PONG echoes PING's payload
 *
 * Every stream starts with INITIAL_WINDOW bytes of credit each way. Ids are chosen by the
 * opener: odd on the server's side, even on the agent's, and never reused in a session.
 */

export enum FrameType {
  Open = 1,
  Data = 2,
  End = 3,
  Close = 4,
  Window = 5,
  Ping = 6,
  Pong = 7,
}

export const HEADER_BYTES = 5;
/** Credit each side starts with, per stream and direction. */
export const INITIAL_WINDOW = 256 * 1024;
/** Largest DATA payload, so that streams sharing the socket interleave. */
export const MAX_DATA = 32 * 1024;
/** The WebSocket path agents connect to. */
export const CONNECT_PATH = "/v1-k3rs/connect";
/** The target an agent serves: its local HTTP API (logs now; exec, port-forward, metrics later). */
export const AGENT_API = "agent-api";

export interface Frame {
  type: FrameType;
  id: number;
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function encodeFrame(type: FrameType, id: number, payload: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, id >>> 0);
  out.set(payload, HEADER_BYTES);
  return out;
}

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < HEADER_BYTES) throw new ProtocolError(`frame of ${bytes.length} bytes is shorter than its header`);
  const type = bytes[0]!;
  if (type < FrameType.Open || type > FrameType.Pong) throw new ProtocolError(`unknown frame type ${type}`);
  const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  return { type, id, payload: bytes.subarray(HEADER_BYTES) };
}

export function textPayload(s: string): Uint8Array {
  return utf8.encode(s);
}

export function payloadText(p: Uint8Array): string {
  return fromUtf8.decode(p);
}

export function windowPayload(n: number): Uint8Array {
  const p = new Uint8Array(4);
  new DataView(p.buffer).setUint32(0, n);
  return p;
}

export function payloadWindow(p: Uint8Array): number {
  if (p.length !== 4) throw new ProtocolError(`WINDOW payload of ${p.length} bytes`);
  return new DataView(p.buffer, p.byteOffset, 4).getUint32(0);
}

/**
 * A fetch Response written onto an HTTP/1.1 connection, with the fewest socket writes: a body
 * that is whole (every object, Status and small list) goes out with its head in one corked write
 * and a Content-Length; a body still open after a turn of the event loop (watch, log follow) is
 * sent chunked as it comes, with back-pressure, or as it is when the handler gave its length
 * (a large list); a push body (a watch's shared frames, push-body.ts) is written by its
 * producer straight onto the socket.
 */
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { drained } from "../drained.ts";
import { chunkFrame, pushSourceOf, pushToSocket } from "../push-body.ts";
import { readWhileReady, type BodyReader } from "../read-while-ready.ts";

/** Headers this layer owns: the handler's are dropped (framing and persistence are decided here). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

const LAST_CHUNK = Buffer.from("0\r\n\r\n");

/** Bodies up to this size go out in one buffer with their head; larger ones are not copied. */
const ONE_WRITE_BYTES = 64 * 1024;

let dateSecond = -1;
let dateValue = "";

/** The Date header, made once a second (Go's and node's servers send one on every answer). */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

export interface WriteTarget {
  socket: Duplex;
  method: string;
  /** The connection stays open for another request after this answer. */
  keepAlive: boolean;
  /** An HTTP/1.0 client knows no chunked coding: a streamed body is sent as it is and ends with the connection. */
  http10?: boolean;
  /** Aborted when the client leaves: a streamed body is cancelled. */
  signal?: AbortSignal;
}

/** Whether a status never carries a body (RFC 9110 §6.4.1). */
function bodiless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

function head(response: Response, framing: string, keepAlive: boolean): string {
  let text = `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? (response.statusText || "Unknown")}\r\n`;
  let hasDate = false;
  response.headers.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || (framing !== "" && name === "content-length")) return;
    if (name === "date") hasDate = true;
    text += `${name}: ${value}\r\n`;
  });
  if (!hasDate) text += `date: ${httpDate()}\r\n`;
  text += framing;
  if (!keepAlive) text += "connection: close\r\n";
  return text + "\r\n";
}

/**
 * Writes `response`; resolves when it is all handed to the socket (or the client is gone).
 * Returns whether the connection can carry another request.
 */
export async function writeResponse(t: WriteTarget, response: Response): Promise<boolean> {
  const { socket } = t;
  if (!response.body || t.method === "HEAD" || bodiless(response.status)) {
    if (response.body) void response.body.cancel().catch(() => {});
    const framing = t.method === "HEAD" || response.headers.has("content-length") || bodiless(response.status) ? "" : "content-length: 0\r\n";
    socket.write(head(response, framing, t.keepAlive));
    return t.keepAlive;
  }
  const source = t.http10 ? undefined : pushSourceOf(response.body);
  if (source) {
    socket.write(head(response, "transfer-encoding: chunked\r\n", t.keepAlive));
    await pushToSocket(socket, source, () => socket.write(LAST_CHUNK));
    return t.keepAlive && !socket.destroyed;
  }
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array> & BodyReader;
  const start = await readWhileReady(reader);
  if (start.done) {
    const body = start.chunks.length === 1 ? start.chunks[0]! : Buffer.concat(start.chunks);
    const text = head(response, `content-length: ${body.byteLength}\r\n`, t.keepAlive);
    if (body.byteLength <= ONE_WRITE_BYTES) {
      // One buffer, one write: a corked pair goes through node's writev path, which cost a
      // quarter of a small GET's server time here.
      const out = Buffer.allocUnsafe(text.length + body.byteLength);
      out.write(text, 0, "latin1");
      out.set(body, text.length);
      socket.write(out);
    } else {
      socket.write(text);
      socket.write(body);
    }
    return t.keepAlive;
  }
  // A body whose length the handler knows (a large JSON list) goes out as it is, unframed:
  // framing each piece was a copy of every byte (a third of a 75 MB list's server time).
  const declared = Number(response.headers.get("content-length") ?? NaN);
  const sized = Number.isSafeInteger(declared) && declared >= 0;
  const chunked = !sized && !t.http10;
  const keepAlive = t.keepAlive && (sized || chunked);
  socket.write(head(response, sized ? `content-length: ${declared}\r\n` : chunked ? "transfer-encoding: chunked\r\n" : "", keepAlive));
  let sent = 0;
  const send = (chunk: Uint8Array): boolean => {
    sent += chunk.byteLength;
    // More than it said: the answer cannot be completed truthfully.
    if (sized && sent > declared) throw new Error(`body longer than its content-length ${declared}`);
    return socket.write(chunked ? chunkFrame(chunk) : chunk);
  };
  const cancel = () => void reader.cancel().catch(() => {});
  t.signal?.addEventListener("abort", cancel, { once: true });
  try {
    for (const chunk of start.chunks) if (chunk.byteLength && !send(chunk)) await drained(socket);
    let next = start.next;
    for (;;) {
      if (socket.destroyed) return false;
      const { value, done } = await next;
      if (done) break;
      if (value.byteLength && !send(value)) await drained(socket);
      next = reader.read();
    }
    if (sized && sent !== declared) throw new Error(`body of ${sent} bytes, not its content-length ${declared}`);
  } catch {
    // The body failed mid-way: the answer cannot be completed, so it must not look complete.
    cancel();
    socket.destroy();
    return false;
  } finally {
    t.signal?.removeEventListener("abort", cancel);
  }
  if (socket.destroyed) return false;
  if (chunked) socket.write(LAST_CHUNK);
  return keepAlive;
}

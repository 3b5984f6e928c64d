/**
 * The client's half of an HTTP/1.1 upgrade on a raw byte stream — write the request head,
 * read the response head — and the relay that joins two streams once both sides switched
 * protocols. Written by hand (not node:http) so that the 101 answer can be passed on byte
 * for byte, and so that nothing reads past the head: what follows belongs to the new
 * protocol.
 *
 * @example
 *   stream.write(requestHead("POST", "/exec/abc", [["Connection", "Upgrade"], ["Upgrade", "SPDY/3.1"]]));
 *   const res = await readResponseHead(stream);
 *   if (res.status === 101) relay(clientSocket, stream);
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

export type HeaderPairs = Array<[string, string]>;

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Lowercase names, every value of repeated headers. */
  headers: Record<string, string[]>;
  /** The head as it came, status line to the blank line included. */
  raw: Buffer;
}

export class UpgradeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UpgradeError";
  }
}

const MAX_HEAD = 64 * 1024;

/** Request headers an upgrade keeps when it is passed on (the Upgrade itself and the protocols offered). */
const PASSED = new Set(["connection", "upgrade", "x-stream-protocol-version", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol"]);

/**
 * The headers of a client's upgrade request that a proxy passes on, one line per value as the
 * client sent them (Go's handshake compares each `X-Stream-Protocol-Version` line whole).
 */
export function upgradeRequestHeaders(req: IncomingMessage): HeaderPairs {
  const out: HeaderPairs = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (PASSED.has(name.toLowerCase())) out.push([name, req.rawHeaders[i + 1]!]);
  }
  return out;
}

export function requestHead(method: string, path: string, headers: HeaderPairs): string {
  return `${method} ${path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, " ")}`).join("\r\n")}\r\n\r\n`;
}

/**
 * Reads up to the end of the response head. The stream is left paused, with whatever came
 * after the head put back in front of it for the next reader.
 */
export function readResponseHead(stream: Duplex, o: { timeoutMs?: number } = {}): Promise<ResponseHead> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => done(new UpgradeError(`no response within ${o.timeoutMs} ms`)), o.timeoutMs ?? 30_000);
    const cleanup = () => {
      clearTimeout(timer);
      stream.pause();
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("close", onEnd);
      stream.off("error", onError);
    };
    const done = (e?: Error, head?: ResponseHead) => {
      cleanup();
      if (e) reject(e);
      else resolve(head!);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buf.length > MAX_HEAD) done(new UpgradeError("response head too large"));
        return;
      }
      const raw = buf.subarray(0, end + 4);
      const rest = buf.subarray(end + 4);
      let head: ResponseHead;
      try {
        head = parseHead(raw);
      } catch (e) {
        done(e as Error);
        return;
      }
      cleanup();
      if (rest.length) stream.unshift(rest);
      resolve(head);
    };
    const onEnd = () => done(new UpgradeError("the connection closed before a response came"));
    const onError = (e: Error) => done(new UpgradeError(`the connection failed: ${e.message}`, { cause: e }));
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("close", onEnd);
    stream.once("error", onError);
    stream.resume();
  });
}

function parseHead(raw: Buffer): ResponseHead {
  const lines = raw.toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) throw new UpgradeError(`not an HTTP response: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
  const headers: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(i + 1).trim());
  }
  return { status: Number(m[1]), statusText: m[2] ?? "", headers, raw };
}

/** The body of a refusal: Content-Length bytes, or to the end of the stream, cut at `limit`. */
export function readBody(stream: Duplex, head: ResponseHead, limit = 64 * 1024): Promise<Buffer> {
  const declared = head.headers["content-length"]?.[0];
  const want = declared !== undefined ? Math.min(Number(declared), limit) : limit;
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const finish = () => {
      stream.off("data", onData);
      stream.off("end", finish);
      stream.off("close", finish);
      stream.off("error", finish);
      resolve(Buffer.concat(parts).subarray(0, want));
    };
    const onData = (c: Buffer) => {
      parts.push(c);
      size += c.length;
      if (size >= want) finish();
    };
    if (want === 0) return resolve(Buffer.alloc(0));
    stream.on("data", onData);
    stream.once("end", finish);
    stream.once("close", finish);
    stream.once("error", finish);
    stream.resume();
  });
}

/**
 * Joins two streams both ways until both are done: an end on one side ends the other's
 * writing (half-close passes through), and when one is gone the other is ended once its
 * pending writes are out, then destroyed.
 */
export function relay(a: Duplex, b: Duplex): Promise<void> {
  const whenClosed = (s: Duplex) => new Promise<void>((r) => (s.destroyed ? r() : s.once("close", () => r())));
  a.pipe(b);
  b.pipe(a);
  a.on("error", () => a.destroy());
  b.on("error", () => b.destroy());
  a.once("close", () => finishAfterFlush(b));
  b.once("close", () => finishAfterFlush(a));
  a.resume();
  b.resume();
  return Promise.all([whenClosed(a), whenClosed(b)]).then(() => {});
}

/** Ends `s` and destroys it once what it still has to write is out (or after a grace period). */
export function finishAfterFlush(s: Duplex, graceMs = 30_000): void {
  if (s.destroyed) return;
  if (!s.writableEnded) s.end();
  if (s.writableFinished) {
    s.destroy();
    return;
  }
  const t = setTimeout(() => s.destroy(), graceMs);
  t.unref?.();
  s.once("finish", () => {
    clearTimeout(t);
    s.destroy();
  });
}

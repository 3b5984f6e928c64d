/**
 * node:http ⇄ fetch-style Request/Response, written for this server rather than taken from
 * @hono/node-server: request bodies are small and bounded (3 MiB), so reading them whole
 * with 'data' events is cheaper than a web ReadableStream per request (measured with
 * bench/api.ts: one client's creates/s over HTTPS went from ~190–310 to ~560), while streamed
 * responses (watch, logs) are still written chunk by chunk, and a client hang-up aborts the
 * request's signal. Binary uploads (image archives, hundreds of MiB) are the exception: they
 * reach the handler as a stream with back-pressure, never whole in memory.
 *
 * Each request, in order: the request-target is checked (400) and the URL built from it and a
 * fixed origin, never from Host; the head is authenticated (401) while the socket is paused,
 * so an anonymous upload is never read; only then is the body read, within a deadline. All of
 * it runs inside one error boundary: whatever throws becomes a 500 Status, never an empty
 * answer and never a rejection that escapes.
 *
 * node:http2's compatibility request/response pair runs through the same code: there, pausing,
 * refusing and dropping act on the request's stream, not on the connection other requests share.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { constants as http2Constants, type Http2Stream } from "node:http2";
import { MAX_BODY_BYTES } from "./limits.ts";
import { requestTargetError, requestUrl } from "./request-target.ts";
import { statusResponse } from "./status.ts";
import { errors } from "../model/errors.ts";
import { drained } from "./drained.ts";
import type { UserInfo } from "./identity.ts";
import { canPush, pushSourceOf, sendPushed } from "./push-body.ts";
import { readWhileReady, type BodyReader } from "./read-while-ready.ts";
import { isStreamedBody } from "./streamed-body.ts";

/** Who the request head says is asking, before its body is read: a user, a public path, or nobody. */
export type EarlyAuthentication = UserInfo | "public" | undefined;

export type FetchHandler = (req: Request, incoming: IncomingMessage, user?: UserInfo) => Response | Promise<Response>;

export interface NodeListenerOptions {
  /** Asked with the request head, before the body is read; absent: the handler authenticates. */
  authenticate?: (head: Request, incoming: IncomingMessage) => Promise<EarlyAuthentication>;
  /** How long a body kept whole may take to arrive; for a streamed one, the longest silence. */
  bodyTimeoutMs?: number;
}

const DEFAULT_BODY_TIMEOUT_MS = 60_000;

export function nodeListener(handler: FetchHandler, opts: NodeListenerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  return (incoming, res) => {
    const flow = flowOf(incoming);
    // Before anything awaits: nothing more is read for this request until the head is judged.
    flow.pause();
    void serve(handler, opts, incoming, res, flow)
      .catch(async (e) => {
        // A half-written answer must not look complete; otherwise the error is answered as a
        // Status and the connection closed (its body may be unread).
        if (res.headersSent) res.destroy();
        else await refuse(incoming, res, statusResponse(e), flow);
      })
      // Even rendering the error failed (a thrown value that cannot be printed): drop the connection.
      .catch(() => res.destroy());
  };
}

/**
 * How one exchange holds and lets go of what carries it: over HTTP/1.1 the connection itself;
 * over HTTP/2 (node:http2's compatibility request) only its stream, since other requests share
 * the connection.
 */
interface Flow {
  multiplexed: boolean;
  pause(): void;
  resume(): void;
  /** Ends the exchange without an answer (a stalled body): the connection, or only the stream. */
  drop(): void;
}

function flowOf(incoming: IncomingMessage): Flow {
  const stream = (incoming as { stream?: Http2Stream }).stream;
  if (incoming.httpVersionMajor === 2 && stream) {
    return {
      multiplexed: true,
      pause: () => incoming.pause(),
      resume: () => incoming.resume(),
      drop: () => stream.close(http2Constants.NGHTTP2_CANCEL),
    };
  }
  const socket = incoming.socket;
  return { multiplexed: false, pause: () => socket?.pause(), resume: () => socket?.resume(), drop: () => socket?.destroy() };
}

/** HTTP/2 carries the request line and Host as pseudo-headers; the app sees HTTP/1.1's headers. */
function requestHeaders(incoming: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) !== 0x3a) headers.append(name, raw[i + 1]!);
    else if (name === ":authority" && !incoming.headers.host) headers.set("host", raw[i + 1]!);
  }
  return headers;
}

async function serve(handler: FetchHandler, opts: NodeListenerOptions, incoming: IncomingMessage, res: ServerResponse, flow: Flow): Promise<void> {
  const method = incoming.method ?? "GET";
  const badTarget = requestTargetError(incoming.url);
  if (badTarget) return refuse(incoming, res, statusResponse(badTarget), flow);
  const url = requestUrl(incoming.url!);
  const headers = requestHeaders(incoming);
  let user: UserInfo | undefined;
  if (opts.authenticate) {
    const found = await opts.authenticate(new Request(url, { method, headers }), incoming);
    if (!found) return refuse(incoming, res, statusResponse(errors.unauthorized()), flow);
    if (found !== "public") user = found;
  }
  flow.resume();

  const ac = new AbortController();
  // The client left before the answer was done: the handler (a watch, a log follow) stops.
  res.on("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  let body: Buffer | ReadableStream<Uint8Array> | undefined;
  if (method !== "GET" && method !== "HEAD") {
    body = isStreamedBody(incoming.headers["content-type"]) ? streamOf(incoming, flow, bodyTimeoutMs) : await readAll(incoming, flow, bodyTimeoutMs);
  }
  // Over-limit bodies are cut at the limit + 1 byte, so readBody still answers 413.
  const req = new Request(url, { method, headers, body: body instanceof Buffer && !body.length ? undefined : body, signal: ac.signal, duplex: "half" } as RequestInit);
  const response = await handler(req, incoming, user);
  // A handler that answered without reading a streamed body (401, 403, 413): drop the rest.
  if (body instanceof ReadableStream && !req.bodyUsed) void req.body?.cancel().catch(() => {});
  await send(res, response, method, flow, ac.signal, incoming.httpVersion);
}

/**
 * Writes `response`. A body that is already whole (every API object, Status and list: a string
 * or bytes behind the Response) goes out as one write with a content-length, instead of a
 * head, a chunk and a chunked-encoding trailer as three TLS records; a body still open after a
 * turn of the event loop (watch, log follow) is streamed chunk by chunk with its head sent at
 * once, until done or the client is gone.
 */
async function send(res: ServerResponse, response: Response, method: string, flow: Flow, signal?: AbortSignal, httpVersion?: string): Promise<void> {
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    // HTTP/2 forbids connection-specific headers (node:http2 throws on them).
    if (flow.multiplexed && CONNECTION_HEADERS.has(k)) return;
    const prev = outHeaders[k];
    outHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  });
  if (!response.body || method === "HEAD") {
    if (method === "HEAD") void response.body?.cancel().catch(() => {});
    res.writeHead(response.status, outHeaders);
    res.end();
    return;
  }
  // A watch pushes its shared lines onto the socket itself (push-body.ts); other bodies are read.
  const source = flow.multiplexed ? undefined : pushSourceOf(response.body);
  if (source && canPush(res, httpVersion, outHeaders)) {
    res.writeHead(response.status, outHeaders);
    res.flushHeaders();
    return sendPushed(res, source);
  }
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array> & BodyReader;
  const start = await readWhileReady(reader);
  if (start.done) {
    const body = start.chunks.length === 1 ? start.chunks[0]! : Buffer.concat(start.chunks);
    if (!("content-length" in outHeaders)) outHeaders["content-length"] = String(body.byteLength);
    res.writeHead(response.status, outHeaders);
    // Head and body are two writes to the socket; corked, they leave as one TLS record.
    const socket = flow.multiplexed ? undefined : res.socket;
    socket?.cork();
    res.end(body);
    if (socket) process.nextTick(() => socket.uncork());
    return;
  }
  res.writeHead(response.status, outHeaders);
  // A watch may have nothing to say for minutes; its client still needs the headers now.
  res.flushHeaders();
  signal?.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
  try {
    for (const chunk of start.chunks) if (!res.write(chunk)) await drained(res);
    let next = start.next;
    for (;;) {
      if (signal?.aborted || res.destroyed) break;
      const { value, done } = await next;
      if (done) break;
      if (!res.write(value)) await drained(res);
      next = reader.read();
    }
  } finally {
    res.end();
  }
}

/**
 * Answers without reading the body and closes the connection: the client may still be
 * sending it, and the next request on this connection would start somewhere inside it. The
 * socket stays paused; it is destroyed a moment after the answer is flushed, so the client can
 * read the answer before a reset (Go's server lingers the same way after such a close).
 */
async function refuse(incoming: IncomingMessage, res: ServerResponse, response: Response, flow: Flow): Promise<void> {
  if (flow.multiplexed) {
    // Over HTTP/2 the body's framing is the stream's own: only this stream ends, with a reset
    // if the client is still sending.
    res.once("finish", () => {
      if (!incoming.complete) flow.drop();
    });
    return send(res, response, incoming.method ?? "GET", flow);
  }
  const socket = incoming.socket;
  res.shouldKeepAlive = false;
  res.once("finish", () => setTimeout(() => socket?.destroy(), REFUSE_LINGER_MS).unref?.());
  return send(res, new Response(response.body, { status: response.status, headers: withClose(response.headers) }), incoming.method ?? "GET", flow);
}

const CONNECTION_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

const REFUSE_LINGER_MS = 500;

function withClose(h: Headers): Headers {
  const out = new Headers(h);
  out.set("connection", "close");
  return out;
}


/**
 * The request body as a web stream that pauses the socket while the handler is behind (in Bun,
 * pausing the IncomingMessage alone does not stop the socket from being read). A client silent
 * for `silenceMs` while the handler waits for more is cut off.
 */
function streamOf(incoming: IncomingMessage, flow: Flow, silenceMs: number): ReadableStream<Uint8Array> {
  let cancelled = false;
  let ended = false;
  let silence: ReturnType<typeof setTimeout> | undefined;
  const quiet = () => {
    if (silence) clearTimeout(silence);
    silence = undefined;
  };
  const pause = () => {
    incoming.pause();
    flow.pause();
  };
  const resume = () => {
    incoming.resume();
    flow.resume();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(ctrl) {
        incoming.on("data", (c: Buffer) => {
          quiet();
          // After a cancel the rest is drained and dropped, so the connection stays usable.
          if (cancelled) return;
          ctrl.enqueue(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
          if ((ctrl.desiredSize ?? 1) <= 0) pause();
        });
        incoming.on("end", () => {
          ended = true;
          quiet();
          if (!cancelled) ctrl.close();
        });
        incoming.on("error", (e) => {
          quiet();
          if (!cancelled && !ended) ctrl.error(e);
        });
        incoming.on("close", () => {
          quiet();
          if (!cancelled && !ended) ctrl.error(new Error("the client closed the connection before the body ended"));
          ended = true;
        });
        pause();
      },
      pull(ctrl) {
        if (!ended && !silence) {
          silence = setTimeout(() => {
            silence = undefined;
            if (ended || cancelled) return;
            ended = true;
            ctrl.error(new Error(`no request body data for ${silenceMs} ms`));
            flow.drop();
          }, silenceMs);
        }
        resume();
      },
      cancel() {
        cancelled = true;
        quiet();
        resume();
      },
    },
    { highWaterMark: 8 },
  );
}

/** The body whole (cut after the limit), within `timeoutMs`; the connection is dropped if it is late. */
function readAll(incoming: IncomingMessage, flow: Flow, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      // A client's stall, not a server error: a Status, so nothing is logged as a failure.
      reject(errors.badRequest(`the request body did not arrive within ${timeoutMs} ms`));
      flow.drop();
    }, timeoutMs);
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
    };
    incoming.on("data", (c: Buffer) => {
      if (size > MAX_BODY_BYTES) return; // keep draining, stop keeping
      size += c.length;
      chunks.push(c);
    });
    incoming.on("end", () => {
      settle();
      resolve(Buffer.concat(chunks));
    });
    incoming.on("error", (e) => {
      settle();
      reject(e);
    });
    incoming.on("close", () => {
      if (settled) return;
      settle();
      // Before 'end': the client left mid-body.
      reject(errors.badRequest("the client closed the connection before the body ended"));
    });
  });
}

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
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_BODY_BYTES } from "./limits.ts";
import { requestTargetError, requestUrl } from "./request-target.ts";
import { statusResponse } from "./status.ts";
import { errors } from "../model/errors.ts";
import { drained } from "./drained.ts";
import type { UserInfo } from "./identity.ts";
import { pushSourceOf, sendPushed } from "./push-body.ts";

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
    // Before anything awaits: nothing more is read off this connection until the head is judged.
    incoming.socket?.pause();
    void serve(handler, opts, incoming, res)
      .catch(async (e) => {
        // A half-written answer must not look complete; otherwise the error is answered as a
        // Status and the connection closed (its body may be unread).
        if (res.headersSent) res.destroy();
        else await refuse(incoming, res, statusResponse(e));
      })
      // Even rendering the error failed (a thrown value that cannot be printed): drop the connection.
      .catch(() => res.destroy());
  };
}

async function serve(handler: FetchHandler, opts: NodeListenerOptions, incoming: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = incoming.method ?? "GET";
  const badTarget = requestTargetError(incoming.url);
  if (badTarget) return refuse(incoming, res, statusResponse(badTarget));
  const url = requestUrl(incoming.url!);
  const headers = new Headers();
  for (let i = 0; i < incoming.rawHeaders.length; i += 2) headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
  let user: UserInfo | undefined;
  if (opts.authenticate) {
    const found = await opts.authenticate(new Request(url, { method, headers }), incoming);
    if (!found) return refuse(incoming, res, statusResponse(errors.unauthorized()));
    if (found !== "public") user = found;
  }
  incoming.socket?.resume();

  const ac = new AbortController();
  res.on("close", () => ac.abort());
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  let body: Buffer | ReadableStream<Uint8Array> | undefined;
  if (method !== "GET" && method !== "HEAD") {
    body = STREAMED_TYPES.has(mediaType(incoming.headers["content-type"])) ? streamOf(incoming, bodyTimeoutMs) : await readAll(incoming, bodyTimeoutMs);
  }
  // Over-limit bodies are cut at the limit + 1 byte, so readBody still answers 413.
  const req = new Request(url, { method, headers, body: body instanceof Buffer && !body.length ? undefined : body, signal: ac.signal, duplex: "half" } as RequestInit);
  const response = await handler(req, incoming, user);
  // A handler that answered without reading a streamed body (401, 403, 413): drop the rest.
  if (body instanceof ReadableStream && !req.bodyUsed) void req.body?.cancel().catch(() => {});
  await send(res, response, method, ac.signal, incoming.httpVersion);
}

/** Writes `response`, streaming its body chunk by chunk until done or the client is gone. */
async function send(res: ServerResponse, response: Response, method: string, signal?: AbortSignal, httpVersion?: string): Promise<void> {
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    const prev = outHeaders[k];
    outHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  });
  res.writeHead(response.status, outHeaders);
  if (!response.body || method === "HEAD") {
    if (method === "HEAD") void response.body?.cancel().catch(() => {});
    res.end();
    return;
  }
  // A watch may have nothing to say for minutes; its client still needs the headers now.
  res.flushHeaders();
  // A watch pushes its shared lines onto the socket itself (push-body.ts); other bodies are read.
  const source = pushSourceOf(response.body);
  const pushed = source && httpVersion && sendPushed(res, source, httpVersion);
  if (pushed) return pushed;
  const reader = response.body.getReader();
  signal?.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (signal?.aborted || res.destroyed) break;
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
async function refuse(incoming: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const socket = incoming.socket;
  res.shouldKeepAlive = false;
  res.once("finish", () => setTimeout(() => socket?.destroy(), REFUSE_LINGER_MS).unref?.());
  return send(res, new Response(response.body, { status: response.status, headers: withClose(response.headers) }), incoming.method ?? "GET");
}

const REFUSE_LINGER_MS = 500;

function withClose(h: Headers): Headers {
  const out = new Headers(h);
  out.set("connection", "close");
  return out;
}

/** Bodies no API object is sent as: handed over as a stream (a JSON handler's readBody still caps them). */
const STREAMED_TYPES = new Set(["application/octet-stream", "application/x-tar", "application/gzip", "application/x-gzip"]);

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * The request body as a web stream that pauses the socket while the handler is behind (in Bun,
 * pausing the IncomingMessage alone does not stop the socket from being read). A client silent
 * for `silenceMs` while the handler waits for more is cut off.
 */
function streamOf(incoming: IncomingMessage, silenceMs: number): ReadableStream<Uint8Array> {
  let cancelled = false;
  let ended = false;
  let silence: ReturnType<typeof setTimeout> | undefined;
  const quiet = () => {
    if (silence) clearTimeout(silence);
    silence = undefined;
  };
  const pause = () => {
    incoming.pause();
    incoming.socket?.pause();
  };
  const resume = () => {
    incoming.resume();
    incoming.socket?.resume();
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
            incoming.socket?.destroy();
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
function readAll(incoming: IncomingMessage, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      // A client's stall, not a server error: a Status, so nothing is logged as a failure.
      reject(errors.badRequest(`the request body did not arrive within ${timeoutMs} ms`));
      incoming.socket?.destroy();
    }, timeoutMs);
    const settle = () => clearTimeout(timer);
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
      settle();
      // After 'end' this changes nothing; before it, the client left mid-body.
      reject(errors.badRequest("the client closed the connection before the body ended"));
    });
  });
}

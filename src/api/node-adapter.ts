/**
 * node:http ⇄ fetch-style Request/Response, written for this server rather than taken from
 * @hono/node-server: request bodies are small and bounded (3 MiB), so reading them whole
 * with 'data' events is cheaper than a web ReadableStream per request (measured with
 * bench/api.ts: one client's creates/s over HTTPS went from ~190–310 to ~560), while streamed
 * responses (watch, logs) are still written chunk by chunk, and a client hang-up aborts the
 * request's signal. Binary uploads (image archives, hundreds of MiB) are the exception: they
 * reach the handler as a stream with back-pressure, never whole in memory.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MAX_BODY_BYTES } from "./request.ts";

export type FetchHandler = (req: Request, incoming: IncomingMessage) => Response | Promise<Response>;

export function nodeListener(handler: FetchHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (incoming, res) => {
    void serve(handler, incoming, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end();
    });
  };
}

async function serve(handler: FetchHandler, incoming: IncomingMessage, res: ServerResponse): Promise<void> {
  const ac = new AbortController();
  res.on("close", () => ac.abort());
  const method = incoming.method ?? "GET";
  const headers = new Headers();
  for (let i = 0; i < incoming.rawHeaders.length; i += 2) headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
  let body: Buffer | ReadableStream<Uint8Array> | undefined;
  if (method !== "GET" && method !== "HEAD") {
    body = STREAMED_TYPES.has(mediaType(incoming.headers["content-type"])) ? streamOf(incoming) : await readAll(incoming);
  }
  const url = `https://${incoming.headers.host ?? "localhost"}${incoming.url ?? "/"}`;
  // Over-limit bodies are cut at the limit + 1 byte, so readBody still answers 413.
  const req = new Request(url, { method, headers, body: body instanceof Buffer && !body.length ? undefined : body, signal: ac.signal, duplex: "half" } as RequestInit);
  const response = await handler(req, incoming);
  // A handler that answered without reading a streamed body (401, 403, 413): drop the rest.
  if (body instanceof ReadableStream && !req.bodyUsed) void req.body?.cancel().catch(() => {});
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    const prev = outHeaders[k];
    outHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  });
  res.writeHead(response.status, outHeaders);
  if (!response.body || method === "HEAD") {
    res.end();
    return;
  }
  // A watch may have nothing to say for minutes; its client still needs the headers now.
  res.flushHeaders();
  const reader = response.body.getReader();
  ac.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((r) => res.once("drain", () => r()).once("close", () => r()));
      if (ac.signal.aborted) break;
    }
  } finally {
    res.end();
  }
}

/** Bodies no API object is sent as: handed over as a stream (a JSON handler's readBody still caps them). */
const STREAMED_TYPES = new Set(["application/octet-stream", "application/x-tar", "application/gzip", "application/x-gzip"]);

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The request body as a web stream that pauses the socket while the handler is behind. */
function streamOf(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(ctrl) {
        incoming.on("data", (c: Buffer) => {
          // After a cancel the rest is drained and dropped, so the connection stays usable.
          if (cancelled) return;
          ctrl.enqueue(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
          if ((ctrl.desiredSize ?? 1) <= 0) incoming.pause();
        });
        incoming.on("end", () => cancelled || ctrl.close());
        incoming.on("error", (e) => cancelled || ctrl.error(e));
        incoming.pause();
      },
      pull() {
        incoming.resume();
      },
      cancel() {
        cancelled = true;
        incoming.resume();
      },
    },
    { highWaterMark: 8 },
  );
}

function readAll(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on("data", (c: Buffer) => {
      if (size > MAX_BODY_BYTES) return; // keep draining, stop keeping
      size += c.length;
      chunks.push(c);
    });
    incoming.on("end", () => resolve(Buffer.concat(chunks)));
    incoming.on("error", reject);
  });
}

/**
 * node:http ⇄ fetch-style Request/Response, written for this server rather than taken from
 * @hono/node-server: request bodies are small and bounded (3 MiB), so reading them whole
 * with 'data' events is cheaper than a web ReadableStream per request (measured with
 * bench/api.ts: one client's creates/s over HTTPS went from ~190–310 to ~560), while streamed
 * responses (watch, logs) are still written chunk by chunk, and a client hang-up aborts the
 * request's signal.
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
  let body: Buffer | undefined;
  if (method !== "GET" && method !== "HEAD") {
    body = await readAll(incoming);
  }
  const url = `https://${incoming.headers.host ?? "localhost"}${incoming.url ?? "/"}`;
  // Over-limit bodies are cut at the limit + 1 byte, so readBody still answers 413.
  const req = new Request(url, { method, headers, body: body && body.length ? body : undefined, signal: ac.signal });
  const response = await handler(req, incoming);
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

/**
 * HTTP/2 for connections whose client asked for it by ALPN (`h2`: kubectl and client-go by
 * default), beside HTTP/1.1 on the same port. Opt-in (`serveHttps({ http2: true })`). TLS,
 * the handshake deadline and the cap on untrusted connections stay where they are
 * (tls-accept.ts, serve.ts); this takes the connection after the handshake and runs each
 * stream through the same listener as an HTTP/1.1 request (node-fetch.ts tells them apart).
 *
 * What bounds a hostile client here, as the HTTP/1.1 path bounds it:
 * - the connection's request clock (RequestDeadline) counts streams: `headerMs` to the first
 *   complete request head, `idleMs` once no stream is open — a client that opens the
 *   connection and sends nothing, or only half a header block, is cut off;
 * - at most MAX_STREAMS streams at once per connection (kube-apiserver's default, 250), and a
 *   header list no larger than what node:http accepts on HTTP/1.1;
 * - a stalled body ends only its stream (node-fetch.ts), never the other requests sharing it.
 * Upgrades (exec, attach, port-forward, the agent tunnel) do not exist in HTTP/2: client-go
 * dials those over HTTP/1.1, which this port still speaks.
 */
import http from "node:http";
import http2 from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { RequestDeadline } from "./request-deadline.ts";

/** kube-apiserver's default for --http2-max-streams-per-connection. */
export const MAX_STREAMS = 250;

export interface H2Server {
  /** Serves a TLS connection that negotiated `h2`. */
  accept(socket: Duplex): void;
  close(): void;
}

export function createH2Server(listener: (req: IncomingMessage, res: ServerResponse) => void): H2Server {
  const server = http2.createServer({
    settings: { maxConcurrentStreams: MAX_STREAMS, maxHeaderListSize: http.maxHeaderSize },
    maxSessionRejectedStreams: 100,
  } as http2.ServerOptions);
  // The compatibility request and response have what the listener uses of node:http's.
  server.on("request", (req, res) => listener(req as unknown as IncomingMessage, res as unknown as ServerResponse));
  server.on("stream", (stream) => {
    const deadline = RequestDeadline.of(stream.session?.socket);
    deadline?.started();
    stream.once("close", () => deadline?.finished());
    stream.on("error", () => stream.destroy());
  });
  server.on("session", (session) => session.on("error", () => session.destroy()));
  server.on("sessionError", () => {});
  return {
    accept: (socket) => void server.emit("connection", socket),
    close: () => server.close(),
  };
}

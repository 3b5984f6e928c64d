/**
 * WebSocket pass-through. Bun.serve hands no raw socket to a handler, so the relay is at the
 * message level: the backend connection is opened first (the client's path, headers and
 * subprotocols), and only when it is up is the client upgraded, answering with the
 * subprotocol the backend chose. Messages then flow both ways; a close on one side closes
 * the other with the same code. A backend that refuses the handshake gets the client a 502.
 */
import type { Server, ServerWebSocket } from "bun";
import type { Target } from "../proxy/types.ts";
import { type ClientFacts, upstreamWebSocketHeaders } from "./forward-headers.ts";
import type { IngressMetrics } from "./metrics.ts";

export interface RelayData {
  upstream: WebSocket;
  /** messages from the backend that arrived before the client side opened */
  early: (string | ArrayBuffer | Uint8Array)[];
  client?: ServerWebSocket<RelayData>;
}

export type IngressServer = Server<RelayData>;

/** How long the backend's handshake may take before the client gets a 504. */
const OPEN_TIMEOUT_MS = 10_000;

export async function proxyWebSocket(req: Request, server: IngressServer, target: Target, url: URL, client: ClientFacts, metrics: IngressMetrics): Promise<Response | undefined> {
  const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  const upstream = new WebSocket(`ws://${target.key}${url.pathname}${url.search}`, { headers: upstreamWebSocketHeaders(req.headers, client), protocols } as unknown as string[]);
  upstream.binaryType = "arraybuffer";
  const data: RelayData = { upstream, early: [] };
  upstream.onmessage = (e) => {
    const m = e.data as string | ArrayBuffer;
    if (data.client) data.client.send(m);
    else data.early.push(m);
  };
  upstream.onclose = (e) => data.client?.close(closeCode(e.code), e.reason);
  const opened = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), OPEN_TIMEOUT_MS);
    upstream.onopen = () => {
      clearTimeout(timer);
      resolve(true);
    };
    upstream.onerror = () => {
      clearTimeout(timer);
      resolve(false);
    };
  });
  if (!opened) {
    upstream.close();
    metrics.error("websocket");
    return new Response("502 Bad Gateway: the backend refused the WebSocket handshake\n", { status: 502 });
  }
  upstream.onerror = null;
  const headers: Record<string, string> = upstream.protocol ? { "sec-websocket-protocol": upstream.protocol } : {};
  if (server.upgrade(req, { data, headers })) {
    metrics.request(101);
    return undefined;
  }
  upstream.close();
  return new Response("400 Bad Request: not a WebSocket handshake\n", { status: 400 });
}

/** The `websocket` handlers of the ingress's Bun.serve. */
export function relayHandlers(metrics: IngressMetrics) {
  return {
    open(ws: ServerWebSocket<RelayData>) {
      metrics.websockets.inc();
      ws.data.client = ws;
      for (const m of ws.data.early) ws.send(m);
      ws.data.early = [];
      if (ws.data.upstream.readyState >= WebSocket.CLOSING) ws.close();
    },
    message(ws: ServerWebSocket<RelayData>, message: string | Buffer) {
      if (ws.data.upstream.readyState === WebSocket.OPEN) ws.data.upstream.send(message);
    },
    close(ws: ServerWebSocket<RelayData>, code: number, reason: string) {
      metrics.websockets.dec();
      if (ws.data.upstream.readyState <= WebSocket.OPEN) ws.data.upstream.close(closeCode(code), reason);
    },
    // Bun's default limit (16 MiB) is also what most backends accept; compression stays off so
    // frames pass as the two ends negotiated nothing the proxy would have to undo.
    perMessageDeflate: false,
  };
}

/** Codes 1005/1006/1015 describe a close and must not be sent in a close frame. */
function closeCode(code: number): number {
  return code === 1005 || code === 1006 || code === 1015 || code < 1000 ? 1000 : code;
}

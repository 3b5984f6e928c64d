/**
 * A byte stream carried in WebSocket binary messages, joined to a plain connection — how
 * kubectl ≥ 1.31 port-forwards: it asks for the subprotocol `SPDY/3.1+portforward.k8s.io`
 * and then speaks ordinary SPDY inside the messages (client-go's TunnelingConnection; message
 * boundaries mean nothing). Unwrapped, those bytes can go straight to the runtime's SPDY
 * port-forward server, which is what the apiserver's tunneling handler does with the kubelet.
 *
 * @example
 *   const tunnel = new WebSocketTunnel(criSocket);
 *   tunnel.start(acceptWebSocket(socket, head, req.headers, TUNNELED_PORT_FORWARD, tunnel.handlers));
 */
import type { Duplex } from "node:stream";
import { finishAfterFlush } from "./http-upgrade.ts";
import { CLOSE_NORMAL, type WebSocketConnection, type WebSocketHandlers } from "./websocket-server.ts";

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
/** The WebSocket subprotocol of SPDY tunnelled in WebSocket messages. */
export const TUNNELED_PORT_FORWARD = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

export class WebSocketTunnel {
  private ws: WebSocketConnection | undefined;
  /** Resolves once both ends are closed. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private wsClosed = false;
  private upstreamClosed = false;

  constructor(private readonly upstream: Duplex) {
    this.done = new Promise((r) => (this.resolveDone = r));
    upstream.on("error", () => upstream.destroy());
    upstream.once("close", () => {
      this.upstreamClosed = true;
      this.ws?.close(CLOSE_NORMAL);
      this.settle();
    });
    upstream.on("drain", () => this.ws?.resume());
  }

  readonly handlers: WebSocketHandlers = {
    onMessage: (data) => {
      if (this.upstream.destroyed || this.upstream.writableEnded) return;
      if (!this.upstream.write(data)) this.ws?.pause();
    },
    onClose: () => {
      this.wsClosed = true;
      finishAfterFlush(this.upstream);
      this.settle();
    },
  };

  start(ws: WebSocketConnection): void {
    this.ws = ws;
    this.upstream.on("data", (chunk: Buffer) => {
      if (!ws.send(chunk)) {
        this.upstream.pause();
        void ws.drained().then(() => this.upstream.resume());
      }
    });
    // The runtime ended its side: so does the WebSocket.
    this.upstream.once("end", () => ws.close(CLOSE_NORMAL));
    this.upstream.resume();
  }

  private settle(): void {
    if (this.wsClosed && this.upstreamClosed) this.resolveDone();
  }
}

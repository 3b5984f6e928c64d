/**
 * A WebSocket as the carrier of tunnel frames. Both ends use the browser-style API: Bun's
 * global WebSocket on the agent, the `ws`-compatible WebSocket (built into Bun) on the
 * server after its upgrade — so one adapter serves both.
 */

export interface FrameTransport {
  send(frame: Uint8Array): void;
  close(reason: string): void;
  /** Set once by the session that runs over this transport. */
  listen(handlers: { frame(bytes: Uint8Array): void; closed(reason: string): void }): void;
}

/** The part of a WebSocket the tunnel uses. */
export interface WebSocketLike {
  binaryType: string;
  readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
}

const OPEN = 1;
/** WebSocket close codes 4000–4999 are for applications. */
export const CLOSE_CODE = 4000;

export function webSocketTransport(ws: WebSocketLike): FrameTransport {
  ws.binaryType = "arraybuffer";
  let closed = false;
  return {
    send(frame) {
      if (!closed && ws.readyState === OPEN) ws.send(frame);
    },
    close(reason) {
      if (closed) return;
      closed = true;
      // A close frame's reason is at most 123 bytes.
      ws.close(CLOSE_CODE, truncateUtf8(reason, 123));
    },
    listen(h) {
      let told = false;
      const closedWith = (reason: string) => {
        closed = true;
        if (told) return;
        told = true;
        h.closed(reason);
      };
      ws.addEventListener("message", (e: { data: unknown }) => {
        const d = e.data;
        if (d instanceof ArrayBuffer) h.frame(new Uint8Array(d));
        else if (d instanceof Uint8Array) h.frame(d);
        else closedWith("a text message on the tunnel");
      });
      ws.addEventListener("close", (e: { code?: number; reason?: string }) => closedWith(e.reason || `connection closed (code ${e.code ?? "none"})`));
      ws.addEventListener("error", (e: { message?: string; error?: Error }) => closedWith(e.error?.message ?? e.message ?? "connection error"));
    },
  };
}

function truncateUtf8(s: string, max: number): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= max) return s;
  return new TextDecoder().decode(bytes.subarray(0, max)).replace(/\uFFFD$/, "");
}

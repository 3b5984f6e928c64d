/**
 * The part of `ws` the tunnel uses. Bun has `ws` built in (no package, nothing to bundle);
 * its API is the npm package's, whose types this project does not install.
 */
declare module "ws" {
  import type { IncomingMessage } from "node:http";
  import type { Duplex } from "node:stream";

  export class WebSocket {
    binaryType: string;
    readyState: number;
    send(data: Uint8Array): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    addEventListener(type: string, listener: (event: any) => void): void;
  }

  export class WebSocketServer {
    constructor(options: { noServer: true; maxPayload?: number; perMessageDeflate?: boolean; clientTracking?: boolean });
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, callback: (ws: WebSocket) => void): void;
    close(): void;
  }
}

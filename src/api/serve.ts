/**
 * HTTPS transport for the API. Bun.serve cannot show a handler the client's certificate, so
 * TLS is terminated by node:tls (which can) and each connection is handed to an HTTP server
 * (node:http in Bun) that runs the hono app. The peer identity is read once per connection.
 */
import http, { type IncomingMessage } from "node:http";
import tls from "node:tls";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { nodeListener } from "./node-adapter.ts";
import type { PeerInfo } from "./auth/types.ts";
import type { Env } from "./app.ts";
import { serveUpgrade } from "./upgrade.ts";

export interface ServeOptions {
  fetch: (req: Request, env: Env) => Response | Promise<Response>;
  host: string;
  port: number;
  certPem: string;
  keyPem: string;
  caPem: string;
  /**
   * HTTP upgrades (node:http hands them over as raw sockets, outside `fetch`): true when taken
   * (the agent tunnel); the others run through `fetch` with the socket in the env
   * (pods/exec, attach, portforward take it there).
   */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer, peer: PeerInfo) => boolean;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

const PEER = Symbol("k3rs.peer");

export async function serveHttps(opts: ServeOptions): Promise<RunningServer> {
  const listener = nodeListener((req, incoming) => {
    const socket = incoming.socket as (Socket & { [PEER]?: PeerInfo }) | undefined;
    return opts.fetch(req, { peer: socket?.[PEER] ?? { authorized: false }, signal: req.signal });
  });
  const httpServer = http.createServer({ keepAliveTimeout: 65_000 } as any, listener);
  httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const peer = (socket as Duplex & { [PEER]?: PeerInfo })[PEER] ?? { authorized: false };
    if (opts.upgrade?.(req, socket, head, peer)) return;
    void serveUpgrade(opts.fetch, req, socket, head, peer);
  });
  const sockets = new Set<tls.TLSSocket>();
  const tlsServer = tls.createServer(
    {
      cert: opts.certPem,
      key: opts.keyPem,
      ca: opts.caPem,
      requestCert: true,
      // Unauthorized certs are not refused at the handshake: the request may carry a token.
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
    },
    (socket) => {
      const peer: PeerInfo = { authorized: socket.authorized === true };
      if (peer.authorized) {
        const cert = socket.getPeerCertificate();
        peer.subject = cert?.subject as PeerInfo["subject"];
      }
      (socket as any)[PEER] = peer;
      // Small responses must not wait for Nagle's algorithm (watch events, API answers).
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
      httpServer.emit("connection", socket);
    },
  );
  tlsServer.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    tlsServer.once("error", reject);
    tlsServer.listen(opts.port, opts.host, () => resolve());
  });
  const addr = tlsServer.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        tlsServer.close(() => resolve());
        for (const s of sockets) s.destroy();
        httpServer.close();
      }),
  };
}

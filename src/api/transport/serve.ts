/**
 * HTTPS transport for the API. Bun.serve cannot show a handler the client's certificate, so
 * TLS is terminated by node:tls (which can) and each connection is served by this server's
 * own HTTP/1.1 loop (http/http1/connection.ts; node:http cost ~2× the CPU of the rest of a
 * small request), which runs the hono app. The peer identity is read once per connection.
 * With `http2`, a connection whose client chose `h2` by ALPN goes to node:http2 instead
 * (h2-server.ts), through node-fetch.ts's listener, the same identity and deadlines.
 *
 * A connection's life, with the deadline that ends it if the client stalls:
 *   TCP accept ──(handshakeMs: first byte, TLS handshake)──▶ secure
 *   secure ──(headerMs)──▶ request head ──(authenticated from the head; body within bodyMs)──▶
 *   served (no deadline: watches, logs) ──▶ response done ──(idleMs)──▶ next request head …
 *   an Upgrade request leaves the clock to whoever takes the socket.
 * Until a connection shows a verified client certificate or an authenticated request it counts
 * against a cap on untrusted connections; past it, the oldest of them is closed.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { nodeListener } from "../../http/node-fetch.ts";
import { serveHttp1, type Http1Handlers } from "../../http/http1/connection.ts";
import type { RequestHead } from "../../http/http1/request-head.ts";
import type { PeerInfo } from "../auth/types.ts";
import type { EarlyAuthenticator } from "../auth/early-authenticator.ts";
import type { Env } from "../app.ts";
import { serveUpgrade } from "./upgrade.ts";
import { createTlsListener } from "./tls-accept.ts";
import { createH2Server } from "./h2-server.ts";
import { RequestDeadline } from "./request-deadline.ts";
import { DEFAULT_TRANSPORT_TIMEOUTS, type TransportTimeouts } from "./timeouts.ts";
import { UntrustedConnections, untrustedCapFor } from "./untrusted-connections.ts";
import { log } from "../../log.ts";

export interface ServeOptions {
  fetch: (req: Request, env: Env) => Response | Promise<Response>;
  host: string;
  port: number;
  certPem: string;
  keyPem: string;
  caPem: string;
  /**
   * Authenticates a request from its head, before its body is read: anonymous requests to
   * non-public paths get 401 unread, and the user found rides to `fetch` as `env.user`.
   * Absent: `fetch` authenticates (and bodies are read first).
   */
  authenticate?: EarlyAuthenticator;
  /** Overrides of the transport's deadlines (tests shorten them). */
  timeouts?: Partial<TransportTimeouts>;
  /** How many connections without a cluster identity may be open at once (see untrusted-connections.ts). */
  maxUntrustedConnections?: number;
  /**
   * HTTP upgrades (node:http hands them over as raw sockets, outside `fetch`): true when taken
   * (the agent tunnel); the others run through `fetch` with the socket in the env
   * (pods/exec, attach, portforward take it there).
   */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer, peer: PeerInfo) => boolean;
  /** Offer HTTP/2 by ALPN beside HTTP/1.1 (see h2-server.ts); off: HTTP/1.1 only. */
  http2?: boolean;
  /** Told of each connection the transport closes for a deadline or to make room (a metric). */
  onClosed?: (reason: TransportCloseReason) => void;
}

/** Why the transport closed a connection the client had not closed. */
export type TransportCloseReason = "handshake_deadline" | "header_deadline" | "idle_deadline" | "untrusted_cap";

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

const PEER = Symbol("k3rs.peer");
const RAW = Symbol("k3rs.rawSocket");

function peerOf(socket: unknown): PeerInfo {
  return (socket as { [PEER]?: PeerInfo } | undefined)?.[PEER] ?? { authorized: false };
}

/** The TLS connection a request came on: an HTTP/2 request's is its session's. */
function connectionOf(incoming: IncomingMessage): unknown {
  return (incoming as { stream?: { session?: { socket?: unknown } } }).stream?.session?.socket ?? incoming.socket;
}

export async function serveHttps(opts: ServeOptions): Promise<RunningServer> {
  const timeouts: TransportTimeouts = { ...DEFAULT_TRANSPORT_TIMEOUTS, ...opts.timeouts };
  const closed = opts.onClosed ?? (() => {});
  const untrusted = new UntrustedConnections(opts.maxUntrustedConnections ?? untrustedCapFor(undefined), () => closed("untrusted_cap"));
  const trust = (socket: unknown) => {
    const raw = (socket as { [RAW]?: Socket } | undefined)?.[RAW];
    if (raw) untrusted.trust(raw);
  };
  const authenticate = opts.authenticate;
  // HTTP/2 streams go through node:http2's compatibility pair and node-fetch.ts's listener.
  const h2Server = opts.http2
    ? createH2Server(
        nodeListener((req, incoming, user) => opts.fetch(req, { peer: peerOf(connectionOf(incoming)), signal: req.signal, user }), {
          authenticate:
            authenticate &&
            (async (head, incoming) => {
              const connection = connectionOf(incoming);
              const found = await authenticate(head, peerOf(connection));
              if (found && found !== "public") trust(connection);
              return found;
            }),
          bodyTimeoutMs: timeouts.bodyMs,
        }),
      )
    : undefined;

  /** What one HTTP/1.1 connection's requests are served with: its peer is known from the handshake. */
  const http1Handlers = (socket: TLSSocket, raw: Socket, peer: PeerInfo): Http1Handlers => ({
    fetch: (req, user) => opts.fetch(req, { peer, signal: req.signal, user }),
    authenticate:
      authenticate &&
      (async (head) => {
        const found = await authenticate(head, peer);
        if (found && found !== "public") untrusted.trust(raw);
        return found;
      }),
    upgrade: (head, upgraded, rest) => {
      // Upgraded connections are either taken by an authenticated handler or answered and closed.
      untrusted.trust(raw);
      void serveUpgrade(opts.fetch, upgradeRequest(head, socket), upgraded, rest, peer, opts.upgrade);
    },
    expired: (deadline) => closed(deadline === "header" ? "header_deadline" : "idle_deadline"),
  });

  const connections = new Set<Socket>();
  const tlsServer = createTlsListener({
    certPem: opts.certPem,
    keyPem: opts.keyPem,
    caPem: opts.caPem,
    handshakeMs: timeouts.handshakeMs,
    onHandshakeExpired: () => closed("handshake_deadline"),
    alpnProtocols: h2Server ? ["h2", "http/1.1"] : ["http/1.1"],
    onSecure(socket, raw) {
      const peer: PeerInfo = { authorized: socket.authorized === true, address: raw.remoteAddress };
      if (!peer.authorized && Object.keys(socket.getPeerCertificate() ?? {}).length) peer.certificate = true;
      if (peer.authorized) {
        peer.certificate = true;
        const cert = socket.getPeerCertificate();
        peer.subject = cert?.subject as PeerInfo["subject"];
        untrusted.trust(raw);
      }
      Object.assign(socket, { [PEER]: peer, [RAW]: raw });
      if (h2Server && socket.alpnProtocol === "h2") {
        RequestDeadline.attach(socket, timeouts);
        h2Server.accept(socket);
      } else serveHttp1(socket, http1Handlers(socket, raw, peer), timeouts);
    },
  });
  tlsServer.on("connection", (raw: Socket) => {
    untrusted.admit(raw);
    connections.add(raw);
    raw.once("close", () => connections.delete(raw));
  });
  await new Promise<void>((resolve, reject) => {
    tlsServer.once("error", reject);
    tlsServer.listen(opts.port, opts.host, () => resolve());
  });
  // An accept that fails (EMFILE) is told here instead of as an unhandled 'error' event.
  tlsServer.on("error", (e) => log.warn("API listener error", { error: String(e) }));
  const addr = tlsServer.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        tlsServer.close(() => resolve());
        for (const s of connections) s.destroy();
        h2Server?.close();
      }),
  };
}

/**
 * An upgrade request in the shape the takers read (node's IncomingMessage: the tunnel's
 * WebSocket server, the exec/attach/port-forward proxies pass its raw header lines on).
 */
function upgradeRequest(head: RequestHead, socket: Duplex): IncomingMessage {
  const [major, minor] = head.version.split(".").map(Number);
  return { method: head.method, url: head.target, headers: head.headers, rawHeaders: head.rawHeaders, httpVersion: head.version, httpVersionMajor: major, httpVersionMinor: minor, socket } as unknown as IncomingMessage;
}

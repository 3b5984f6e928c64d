/**
 * The server's end of the agent tunnels: agents connect to `wss://server/v1-k3rs/connect`
 * with their node client certificate (CN `system:node:<name>`, O `system:nodes`, checked by
 * the TLS layer against the cluster CA); anything else is refused before the upgrade. One
 * session per node name — a new connection replaces the old one, which is what a reconnect
 * after a silent network failure looks like from here.
 *
 * @example
 *   const dialer = new AgentDialer();
 *   serveHttps({ …, upgrade: (req, socket, head, peer) => dialer.handleUpgrade(req, socket, head, peer) });
 *   const res = await dialer.fetch("node-1", "/containerLogs/default/web/app?follow=true");
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { errors, StatusError } from "../model/errors.ts";
import type { PeerInfo } from "../http/identity.ts";
import { writeUpgradeError } from "../http/upgrade-error.ts";
import { AGENT_API, CONNECT_PATH, MAX_DATA, HEADER_BYTES } from "./protocol.ts";
import { TunnelSession, type SessionOptions } from "./session.ts";
import { webSocketTransport, type FrameTransport } from "./transport.ts";
import { requestOverStream, type StreamRequestInit } from "./http-over-stream.ts";
import type { NodeConnector } from "./types.ts";
import { log } from "../log.ts";

export interface AgentDialerOptions {
  /** Liveness timings of the sessions (tests shorten them). */
  session?: Pick<SessionOptions, "pingMs" | "idleMs">;
}

const NODE_PREFIX = "system:node:";

/** The node a peer certificate speaks for, or the error to refuse it with. */
export function nodeOfPeer(peer: PeerInfo): string | StatusError {
  if (!peer.authorized || !peer.subject?.CN) return errors.unauthorized();
  const cn = peer.subject.CN;
  const orgs = peer.subject.O === undefined ? [] : Array.isArray(peer.subject.O) ? peer.subject.O : [peer.subject.O];
  if (!cn.startsWith(NODE_PREFIX) || cn.length === NODE_PREFIX.length || !orgs.includes("system:nodes")) {
    return errors.forbidden(`User "${cn}" cannot connect a node tunnel: only nodes (CN system:node:<name>, O system:nodes) may`);
  }
  return cn.slice(NODE_PREFIX.length);
}

export class AgentDialer implements NodeConnector {
  private readonly sessions = new Map<string, TunnelSession>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: HEADER_BYTES + MAX_DATA + 1024 });

  constructor(private readonly o: AgentDialerOptions = {}) {}

  /** Takes the upgrade when it is for the tunnel path; false leaves it to the caller. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, peer: PeerInfo): boolean {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== CONNECT_PATH) return false;
    const node = nodeOfPeer(peer);
    if (node instanceof StatusError) {
      writeUpgradeError(socket, node);
      return true;
    }
    if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
      writeUpgradeError(socket, errors.badRequest(`${CONNECT_PATH} takes a WebSocket upgrade`));
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(node, webSocketTransport(ws)));
    return true;
  }

  /** Runs a session for `nodeName` over `transport`, replacing the node's previous one. */
  attach(nodeName: string, transport: FrameTransport): TunnelSession {
    const session = new TunnelSession(transport, { side: "server", ...this.o.session });
    const old = this.sessions.get(nodeName);
    this.sessions.set(nodeName, session);
    old?.close("replaced by a newer connection from the same node");
    log.info("tunnel: node connected", { node: nodeName, replaced: !!old });
    void session.done.then((reason) => {
      if (this.sessions.get(nodeName) === session) this.sessions.delete(nodeName);
      log.info("tunnel: node disconnected", { node: nodeName, reason });
    });
    return session;
  }

  connected(nodeName: string): boolean {
    return this.sessions.has(nodeName);
  }

  /** The nodes whose agents hold a tunnel now. */
  connectedNodes(): string[] {
    return [...this.sessions.keys()];
  }

  dial(nodeName: string): Duplex {
    const session = this.sessions.get(nodeName);
    if (!session || session.isClosed) {
      throw errors.unavailable(`node "${nodeName}" has no tunnel to this server: its agent is not connected`);
    }
    return session.open(AGENT_API);
  }

  fetch(nodeName: string, path: string, init?: StreamRequestInit): Promise<Response> {
    return requestOverStream(this.dial(nodeName), path, init);
  }

  close(): void {
    for (const s of this.sessions.values()) s.close("server shutting down");
    this.sessions.clear();
    this.wss.close();
  }
}

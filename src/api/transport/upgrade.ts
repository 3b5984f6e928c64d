/**
 * HTTP upgrades through the API's ordinary path. node:http hands an upgrade over as a raw
 * socket, outside the request handler; here it becomes a Request again and runs through the
 * app — authentication, authorization, routing, the handler's validation — with the socket
 * riding along in the env. A handler that takes the socket (pods/exec, attach, portforward)
 * marks it taken; any other answer, refusals included, is written onto the socket as an
 * HTTP response, exactly as a normal request would get it.
 *
 * @example
 *   httpServer.on("upgrade", (req, socket, head) => serveUpgrade(fetch, req, socket, head, peer));
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { PeerInfo } from "../auth/types.ts";
import { requestTargetError, requestUrl } from "../../http/request-target.ts";
import { statusResponse } from "../handlers/respond.ts";
import { drained } from "../../http/drained.ts";

/** The connection of an upgrade request, for the handler that takes it over. */
export interface UpgradeConnection {
  /** The client's raw connection (after the request head). */
  socket: Duplex;
  /** Bytes that came after the request head. */
  head: Buffer;
  /** The request as node:http parsed it (every header line, as sent). */
  request: IncomingMessage;
  /** Set by the handler that now owns the socket; its Response is then ignored. */
  taken: boolean;
}

export type UpgradeFetch = (req: Request, env: { peer: PeerInfo; signal?: AbortSignal; upgrade: UpgradeConnection }) => Response | Promise<Response>;

const REASON_PHRASE: Record<number, string> = {
  200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  406: "Not Acceptable", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

/**
 * Takes an upgrade request off node:http's hands. Never rejects: whatever throws — a bad
 * request-target, the `takeover` hook, the app — is answered as a Status (or the socket
 * destroyed when the answer cannot be written), because a rejection here has no one to catch
 * it and would end the process.
 *
 * @param takeover offered the raw request first (the agent tunnel); true when it took it.
 */
export async function serveUpgrade(
  fetch: UpgradeFetch,
  incoming: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  peer: PeerInfo,
  takeover?: (req: IncomingMessage, socket: Duplex, head: Buffer, peer: PeerInfo) => boolean,
): Promise<void> {
  const upgrade: UpgradeConnection = { socket, head, request: incoming, taken: false };
  try {
    socket.on("error", () => socket.destroy());
    const badTarget = requestTargetError(incoming.url);
    if (badTarget) return await writeResponse(socket, statusResponse(badTarget));
    if (takeover?.(incoming, socket, head, peer)) return;
    const headers = new Headers();
    for (let i = 0; i < incoming.rawHeaders.length; i += 2) headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
    const ac = new AbortController();
    socket.once("close", () => ac.abort());
    const req = new Request(requestUrl(incoming.url!), { method: incoming.method ?? "GET", headers, signal: ac.signal });
    const res = await fetch(req, { peer, signal: ac.signal, upgrade });
    if (upgrade.taken) return;
    await writeResponse(socket, res);
  } catch (e) {
    if (upgrade.taken || socket.destroyed) return;
    try {
      await writeResponse(socket, statusResponse(e));
    } catch {
      // Even rendering the error failed (a thrown value that cannot be printed): drop the connection.
      socket.destroy();
    }
  }
}

/**
 * A Response onto a raw socket, as HTTP/1.1 with the connection closed after it. The body is
 * written as it comes and ends with the connection (a watch asked for with an Upgrade header
 * streams like any other).
 */
export async function writeResponse(socket: Duplex, res: Response): Promise<void> {
  const lines = [`HTTP/1.1 ${res.status} ${REASON_PHRASE[res.status] ?? (res.statusText || "Error")}`];
  res.headers.forEach((v, k) => {
    if (k !== "connection" && k !== "transfer-encoding") lines.push(`${k}: ${v}`);
  });
  lines.push("connection: close");
  if (socket.destroyed) return void res.body?.cancel().catch(() => {});
  socket.write(lines.join("\r\n") + "\r\n\r\n");
  if (!res.body) return void socket.end();
  const reader = res.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  socket.once("close", cancel);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || socket.destroyed) break;
      if (!socket.write(value)) await drained(socket);
    }
  } catch {
    // The body failed or the client left: the connection ends either way.
  } finally {
    socket.off("close", cancel);
  }
  socket.end();
}

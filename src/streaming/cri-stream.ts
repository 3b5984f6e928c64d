/**
 * Reaching the runtime's streaming server (the URLs CRI Exec, Attach and PortForward answer
 * with — containerd listens on 127.0.0.1): either as a SPDY client ourselves, or by passing a
 * client's own upgrade through unchanged, which is what the kubelet does for SPDY clients.
 *
 * @example
 *   const { socket } = await dialCriStream(url, ["v4.channel.k8s.io"]);
 *   const spdy = new SpdySession(socket, { side: "client" });
 */
import net from "node:net";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { readBody, readResponseHead, relay, requestHead, upgradeRequestHeaders, UpgradeError, type HeaderPairs } from "./http-upgrade.ts";
import { PROTOCOL_HEADER } from "./remote-command.ts";

export interface CriStreamDeps {
  /** Opens the TCP connection (tests may point it elsewhere). */
  connect?: (host: string, port: number) => Duplex;
  timeoutMs?: number;
}

function target(url: string): { host: string; port: number; path: string } {
  const u = new URL(url);
  if (u.protocol !== "http:") throw new UpgradeError(`the runtime's streaming URL ${url} is not plain http; only that is spoken`);
  return { host: u.hostname, port: Number(u.port || 80), path: u.pathname + u.search };
}

function connectTcp(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    s.once("connect", () => {
      s.off("error", reject);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once("error", (e) => reject(new UpgradeError(`cannot reach the runtime's streaming server at ${host}:${port}: ${e.message}`, { cause: e })));
  });
}

async function open(url: string, deps: CriStreamDeps): Promise<{ socket: Duplex; path: string; host: string; port: number }> {
  const t = target(url);
  const socket = deps.connect ? deps.connect(t.host, t.port) : await connectTcp(t.host, t.port);
  return { socket, ...t };
}

/**
 * SPDY/3.1 upgrade to `url`, offering `protocols` in order. Resolves with the socket and the
 * protocol the server chose; a refusal rejects with client-go's words,
 * `unable to upgrade connection: <the server's answer>`.
 */
export async function dialCriStream(url: string, protocols: string[], deps: CriStreamDeps = {}): Promise<{ socket: Duplex; protocol: string }> {
  const { socket, path, host, port } = await open(url, deps);
  const headers: HeaderPairs = [["Host", `${host}:${port}`], ["Connection", "Upgrade"], ["Upgrade", "SPDY/3.1"], ...protocols.map((p): [string, string] => [PROTOCOL_HEADER, p]), ["Content-Length", "0"]];
  socket.write(requestHead("POST", path, headers));
  let res;
  try {
    res = await readResponseHead(socket, { timeoutMs: deps.timeoutMs });
  } catch (e) {
    socket.destroy();
    throw e;
  }
  if (res.status !== 101) {
    const body = (await readBody(socket, res)).toString("utf8").trim();
    socket.destroy();
    throw new UpgradeError(`unable to upgrade connection: ${body || `${res.status} ${res.statusText}`}`);
  }
  return { socket, protocol: res.headers[PROTOCOL_HEADER.toLowerCase()]?.[0] ?? "" };
}

/**
 * Hands a client's upgrade request to the runtime as it is (only the path changes) and joins
 * the two connections: the runtime's answer, 101 or a refusal, goes back byte for byte.
 */
export async function passUpgradeTo(url: string, req: IncomingMessage, client: Duplex, head: Buffer, deps: CriStreamDeps = {}): Promise<void> {
  const { socket, path, host, port } = await open(url, deps);
  const headers: HeaderPairs = [["Host", `${host}:${port}`], ...upgradeRequestHeaders(req), ["Content-Length", "0"]];
  socket.write(requestHead(req.method ?? "POST", path, headers));
  if (head.length) socket.write(head);
  await relay(client, socket);
}

/**
 * The kubelet's streaming endpoints, as HTTP upgrades on the agent's API:
 * `/exec/{ns}/{pod}/{container}?command=…&stdin=1…`, `/attach/{ns}/{pod}/{container}` and
 * `/portForward/{ns}/{pod}`. Each asks the runtime for a URL on its streaming server, then:
 *
 * - exec/attach over WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`): bridged to SPDY
 *   on the runtime (remote-command-bridge.ts), since only SPDY can half-close stdin;
 * - port-forward over WebSocket (`SPDY/3.1+portforward.k8s.io`): the SPDY inside the
 *   messages is unwrapped onto the runtime's port-forward server;
 * - SPDY upgrades (older kubectl, or kubectl's fallback): passed through to the runtime
 *   unchanged, as the kubelet does.
 *
 * Refusals are the kubelet's, in plain text: 404 `pod does not exist`, 500 `container not
 * found ("x")` for a container that does not run, 400 for bad options — they are written
 * before the upgrade is answered, so clients see them as failed upgrades.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { KubeObject } from "../../model/object.ts";
import { isStatusError, type StatusError } from "../../model/errors.ts";
import type { Runtime, StreamRequest } from "../runtime/types.ts";
import { dialCriStream, passUpgradeTo, type CriStreamDeps } from "../../streaming/cri-stream.ts";
import { SpdySession } from "../../streaming/spdy-session.ts";
import { streamOptionsFrom, StreamProtocolV4, WEBSOCKET_PROTOCOLS, type StreamOptions } from "../../streaming/remote-command.ts";
import { openRemoteCommandStreams, RemoteCommandBridge } from "../../streaming/remote-command-bridge.ts";
import { acceptWebSocket, chooseProtocol, isWebSocketRequest, offeredProtocols } from "../../streaming/websocket-server.ts";
import { PORT_FORWARD_PROTOCOL, TUNNELED_PORT_FORWARD, WebSocketTunnel } from "../../streaming/websocket-tunnel.ts";
import { log } from "../../log.ts";

export interface StreamingDeps {
  /** The pod this node runs under that name (the kubelet's pod manager). */
  podByName(namespace: string, name: string): KubeObject | undefined;
  runtime: Runtime;
  /** How the runtime's streaming server is reached (tests). */
  cri?: CriStreamDeps;
}

/** An answer written before (instead of) the upgrade. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const REASONS: Record<number, string> = { 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error" };
const q = JSON.stringify;

export function writeText(socket: Duplex, status: number, text: string): void {
  const body = Buffer.from(text);
  socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${text}`);
}

/** Takes the upgrade when the path is a streaming one; false leaves it to the caller. */
export function handleStreamingUpgrade(deps: StreamingDeps, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const url = new URL(req.url ?? "/", "http://agent");
  const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
  let run: Promise<void>;
  if ((parts[0] === "exec" || parts[0] === "attach") && parts.length === 4) {
    run = remoteCommand(deps, parts[0], parts[1]!, parts[2]!, parts[3]!, url, req, socket, head);
  } else if (parts[0] === "portForward" && parts.length === 3) {
    run = portForward(deps, parts[1]!, parts[2]!, url, req, socket, head);
  } else {
    return false;
  }
  run.catch((e) => {
    if (e instanceof Refusal) return writeText(socket, e.status, e.message);
    log.warn("agent api: streaming request failed", { path: url.pathname, error: String(e) });
    if (!socket.destroyed) writeText(socket, 500, (e as Error).message);
  });
  return true;
}

function refuse(e: StatusError): never {
  throw new Refusal(e.code, e.message);
}

async function streamUrl(runtime: Runtime, req: StreamRequest): Promise<string> {
  if (!runtime.streamUrl) throw new Refusal(500, "this node's runtime runs no processes: exec, attach and port-forward are not available");
  try {
    return await runtime.streamUrl(req);
  } catch (e) {
    throw new Refusal(500, (e as Error).message);
  }
}

async function remoteCommand(
  deps: StreamingDeps, kind: "exec" | "attach", namespace: string, podName: string, container: string,
  url: URL, req: IncomingMessage, socket: Duplex, head: Buffer,
): Promise<void> {
  const opts = streamOptionsFrom(url.searchParams);
  if (isStatusError(opts)) refuse(opts);
  const pod = deps.podByName(namespace, podName);
  if (!pod) throw new Refusal(404, "pod does not exist");
  const containerId = await runningContainer(deps.runtime, pod, container);
  if (!containerId) throw new Refusal(500, `container not found (${q(container)})`);
  const websocket = isWebSocketRequest(req.headers);
  const protocol = websocket ? chooseProtocol(req.headers, WEBSOCKET_PROTOCOLS) : undefined;
  if (websocket && !protocol) throw new Refusal(400, `requested protocol(s) are not supported: [${offeredProtocols(req.headers).join(" ")}]; supports [${WEBSOCKET_PROTOCOLS.join(" ")}]`);
  const criUrl = await streamUrl(deps.runtime, kind === "exec"
    ? { kind, containerId, cmd: url.searchParams.getAll("command"), ...opts }
    : { kind, containerId, ...opts });
  if (!websocket) return passUpgradeTo(criUrl, req, socket, head, deps.cri);
  await bridgeWebSocket(criUrl, opts, protocol!, req, socket, head, deps.cri);
}

async function bridgeWebSocket(criUrl: string, opts: StreamOptions, protocol: string, req: IncomingMessage, socket: Duplex, head: Buffer, cri?: CriStreamDeps): Promise<void> {
  let spdy: SpdySession | undefined;
  try {
    const { socket: upstream } = await dialCriStream(criUrl, [StreamProtocolV4], cri);
    spdy = new SpdySession(upstream, { side: "client" });
    const bridge = new RemoteCommandBridge(spdy, await openRemoteCommandStreams(spdy, opts), protocol);
    bridge.start(acceptWebSocket(socket, head, req.headers, protocol, bridge.handlers));
    await bridge.done;
  } catch (e) {
    spdy?.destroy();
    if (isStatusError(e)) refuse(e);
    throw new Refusal(500, (e as Error).message);
  }
}

async function portForward(deps: StreamingDeps, namespace: string, podName: string, url: URL, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const pod = deps.podByName(namespace, podName);
  if (!pod) throw new Refusal(404, "pod does not exist");
  const sandboxes = (await deps.runtime.listPodSandboxes()).filter((s) => s.uid === pod.metadata.uid && s.state === "ready");
  const sandbox = sandboxes.sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!sandbox) throw new Refusal(500, `pod not found (${q(`${podName}_${namespace}`)})`);
  const ports = (url.searchParams.get("ports") ?? "").split(",").filter(Boolean).map(Number);
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new Refusal(400, `invalid port in ${q(url.searchParams.get("ports"))}`);
  const websocket = isWebSocketRequest(req.headers);
  if (websocket && !chooseProtocol(req.headers, [TUNNELED_PORT_FORWARD])) {
    throw new Refusal(400, `requested protocol(s) are not supported: [${offeredProtocols(req.headers).join(" ")}]; supports [${TUNNELED_PORT_FORWARD}]`);
  }
  const criUrl = await streamUrl(deps.runtime, { kind: "portforward", sandboxId: sandbox.id, ports });
  if (!websocket) return passUpgradeTo(criUrl, req, socket, head, deps.cri);
  let upstream: Duplex;
  try {
    upstream = (await dialCriStream(criUrl, [PORT_FORWARD_PROTOCOL], deps.cri)).socket;
  } catch (e) {
    throw new Refusal(500, (e as Error).message);
  }
  const tunnel = new WebSocketTunnel(upstream);
  try {
    tunnel.start(acceptWebSocket(socket, head, req.headers, TUNNELED_PORT_FORWARD, tunnel.handlers));
  } catch (e) {
    upstream.destroy();
    if (isStatusError(e)) refuse(e);
    throw e;
  }
  await tunnel.done;
}

/** The kubelet's findContainer: the running container of that name in the pod's sandboxes, latest first. */
async function runningContainer(runtime: Runtime, pod: KubeObject, name: string): Promise<string | undefined> {
  const sandboxes = (await runtime.listPodSandboxes()).filter((s) => s.uid === pod.metadata.uid);
  const running = [];
  for (const sb of sandboxes) for (const c of await runtime.listContainers(sb.id)) if (c.name === name && c.state === "running") running.push(c);
  running.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  return running[0]?.id;
}

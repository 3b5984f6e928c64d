/**
 * `k3rs ctl port-forward TYPE/NAME [LOCAL:]REMOTE…`: local listeners whose connections reach a
 * pod's ports through the API server, as kubectl ≥ 1.31 does it — SPDY (an error and a data
 * stream per connection, tagged with the port and a request id) carried in the binary
 * messages of a WebSocket with subprotocol `SPDY/3.1+portforward.k8s.io`.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Duplex } from "node:stream";
import type { Command } from "commander";
import { toStatusError } from "../../client/rest-client.ts";
import { SpdySession } from "../../streaming/spdy-session.ts";
import { dialWebSocket, HandshakeRefused, type ClientWebSocket } from "../../streaming/websocket-client.ts";
import { TUNNELED_PORT_FORWARD } from "../../streaming/websocket-tunnel.ts";
import type { CtlApp } from "./command.ts";
import type { CtlContext } from "./context.ts";
import { resolvePod } from "./pod-target.ts";

/** The bytes of a WebSocket's binary messages as one stream (message boundaries mean nothing here). */
class MessageStream extends Duplex {
  constructor(private readonly ws: ClientWebSocket) {
    super();
    ws.onMessage((data) => this.push(data));
    void ws.done.then(() => this.push(null));
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.ws.send(chunk);
    cb();
  }
  override _final(cb: () => void): void {
    this.ws.close();
    cb();
  }
}

export interface PortSpec {
  local: number;
  remote: number | string;
}

/** `8080`, `8080:80`, `:80` (a free local port), `8080:http` (a named port). */
export function parsePorts(specs: string[]): PortSpec[] {
  return specs.map((s) => {
    const [a, b] = s.includes(":") ? (s.split(":") as [string, string]) : [s, s];
    const remote = /^\d+$/.test(b) ? Number(b) : b;
    const local = a === "" ? 0 : Number(a);
    if (!Number.isInteger(local) || local < 0 || local > 65535) throw new Error(`Error parsing local port '${a}': invalid port`);
    return { local, remote };
  });
}

/** A named or service port as the pod's container port. */
function containerPort(pod: any, owner: any, remote: number | string): number {
  if (owner?.kind === "Service") {
    const sp = (owner.spec?.ports ?? []).find((p: any) => p.port === remote || p.name === remote);
    if (!sp) throw new Error(`Service ${owner.metadata.name} does not have a service port ${remote}`);
    remote = sp.targetPort ?? sp.port;
  }
  if (typeof remote === "number") return remote;
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === remote) return p.containerPort;
  throw new Error(`Pod '${pod.metadata.name}' does not have a named port '${remote}'`);
}

export async function runPortForward(ctx: CtlContext, args: string[], o: { address?: string; signal?: AbortSignal }): Promise<number> {
  const [target, ...specs] = args;
  if (!target || !specs.length) throw new Error("TYPE/NAME and list of ports are required for port-forward");
  const { pod } = await resolvePod(ctx, target);
  const owner = target.includes("/") && !/^(po|pod|pods)\//.test(target) ? await ownerObject(ctx, target) : undefined;
  if (pod.status?.phase !== "Running") throw new Error(`unable to forward port because pod is not running. Current status=${pod.status?.phase}`);
  const ports = parsePorts(specs).map((p) => ({ local: p.local, remote: containerPort(pod, owner, p.remote) }));
  const cfg = ctx.client.config;
  let ws: ClientWebSocket;
  try {
    ws = await dialWebSocket({
      url: `${cfg.server}/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}/portforward`,
      protocols: [TUNNELED_PORT_FORWARD],
      tls: { ca: cfg.ca, cert: cfg.cert, key: cfg.key, rejectUnauthorized: !cfg.insecure },
      headers: cfg.token ? [["Authorization", `Bearer ${cfg.token}`]] : [],
    });
  } catch (e) {
    if (e instanceof HandshakeRefused) throw toStatusError(e.status, safeJson(e.body), e.body);
    throw e;
  }
  const spdy = new SpdySession(new MessageStream(ws), { side: "client" });
  let requestId = 0;
  let failure: Error | undefined;
  const servers: Server[] = [];
  const addresses = (o.address ?? "localhost").split(",").flatMap((a) => (a === "localhost" ? ["127.0.0.1", "::1"] : [a]));
  for (const p of ports) {
    let local = p.local;
    for (const host of addresses) {
      const server = createServer((sock) => {
        ctx.out(`Handling connection for ${local}\n`);
        void forward(spdy, sock, p.remote, requestId++).catch((e) => {
          // kubectl gives up on the whole forward when the pod refuses a connection.
          failure = e;
          ctx.err(`E ${e.message}\n`);
          spdy.close();
        });
      });
      const ok = await new Promise<boolean>((resolve) => {
        server.once("error", () => resolve(false));
        server.listen(local, host, () => resolve(true));
      });
      if (!ok) continue;
      local = (server.address() as { port: number }).port;
      servers.push(server);
      ctx.out(`Forwarding from ${host.includes(":") ? `[${host}]` : host}:${local} -> ${p.remote}\n`);
    }
  }
  if (!servers.length) throw new Error("unable to listen on any of the requested ports");
  const stop = new Promise<void>((r) => o.signal?.addEventListener("abort", () => r(), { once: true }));
  await Promise.race([spdy.done, stop]);
  for (const s of servers) s.close();
  spdy.destroy();
  if (failure) throw failure;
  if (!o.signal?.aborted) throw new Error("lost connection to pod");
  return 0;
}

async function ownerObject(ctx: CtlContext, target: string): Promise<any> {
  const [type, name] = target.split("/") as [string, string];
  const r = await ctx.discovery.resolve(type);
  const path = `${r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`}/namespaces/${encodeURIComponent(ctx.namespace)}/${r.plural}/${encodeURIComponent(name)}`;
  return { kind: r.kind, ...(await ctx.client.request(path)) };
}

/** One local connection: an error stream, then a data stream, both tagged with the port and request id. */
async function forward(spdy: SpdySession, sock: Socket, port: number, id: number): Promise<void> {
  const headers = { port: String(port), requestID: String(id) };
  const errorStream = await spdy.open({ streamType: "error", ...headers });
  errorStream.end();
  const data = await spdy.open({ streamType: "data", ...headers });
  let message = "";
  errorStream.on("data", (c: Buffer) => (message += c.toString("utf8")));
  const errorDone = new Promise<void>((r) => errorStream.once("end", () => r()));
  sock.pipe(data);
  data.pipe(sock);
  await new Promise<void>((r) => {
    sock.once("close", () => r());
    data.once("close", () => r());
  });
  sock.destroy();
  await Promise.race([errorDone, Bun.sleep(1000)]);
  if (message) throw new Error(`an error occurred forwarding ${port} -> ${port}: error forwarding port ${port} to pod, uid : ${message}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function registerPortForward(app: CtlApp): void {
  app
    .verb("port-forward")
    .description("Forward one or more local ports to a pod")
    .argument("<target>", "POD or TYPE/NAME")
    .argument("<ports...>", "[LOCAL_PORT:]REMOTE_PORT …")
    .option("--address <addresses>", "addresses to listen on, comma-separated (default localhost)")
    .action(app.action((ctx, cmd: Command) => runPortForward(ctx, cmd.args, cmd.opts())));
}

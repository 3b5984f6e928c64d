/**
 * A stand-in for the CRI streaming server containerd runs (kubelet's `cri/streaming`): URLs
 * handed out per request, `POST /exec|attach/{token}` upgraded to SPDY/3.1 with
 * `v4.channel.k8s.io` (the client opens error, stdin, stdout, stderr or resize streams; the
 * server answers with a Status on the error stream, then resets every stream and closes, as
 * containerd does), and `/portforward/{token}` with `portforward.k8s.io` (error and data
 * streams per connection, paired by requestID, the data stream joined to a local TCP port).
 * Commands are scripts written by the test.
 */
import http, { type IncomingMessage } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { SpdySession, type SpdyStream } from "../../src/streaming/spdy-session.ts";
import { exitCodeStatus, successStatus, type StreamOptions } from "../../src/streaming/remote-command.ts";

export interface CommandIO {
  cmd: string[];
  opts: StreamOptions;
  stdin?: SpdyStream;
  stdout?: SpdyStream;
  stderr?: SpdyStream;
  /** Terminal sizes as they arrived on the resize stream. */
  resizes: Array<{ Width: number; Height: number }>;
}

export type CommandScript = (io: CommandIO) => Promise<number>;

export interface FakeStreamingServer {
  port: number;
  /** A URL for one exec or attach (single use, like containerd's tokens). */
  execUrl(cmd: string[], opts: StreamOptions): string;
  /** A URL for port-forwarding; the pod's port P is this machine's 127.0.0.1:ports[P]. */
  portForwardUrl(ports: Record<number, number>): string;
  /** Requests seen, for assertions. */
  upgrades: Array<{ path: string; protocols: string[] }>;
  close(): Promise<void>;
}

export async function startFakeStreamingServer(script: CommandScript): Promise<FakeStreamingServer> {
  let next = 0;
  const tokens = new Map<string, { kind: "exec"; cmd: string[]; opts: StreamOptions } | { kind: "portforward"; ports: Record<number, number> }>();
  const upgrades: FakeStreamingServer["upgrades"] = [];
  const sockets = new Set<Duplex>();
  const server = http.createServer((_req, res) => res.writeHead(400).end("upgrade required"));
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const m = /^\/(exec|attach|portforward)\/([^/?]+)/.exec(req.url ?? "");
    const protocols = String(req.headers["x-stream-protocol-version"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    upgrades.push({ path: req.url ?? "", protocols });
    const entry = m ? tokens.get(m[2]!) : undefined;
    if (!entry || !m) {
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    tokens.delete(m[2]!);
    const want = entry.kind === "exec" ? "v4.channel.k8s.io" : "portforward.k8s.io";
    if (!protocols.includes(want) || String(req.headers.upgrade).toLowerCase() !== "spdy/3.1") {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${want}\r\n\r\n`);
    if (entry.kind === "exec") serveExec(socket, entry.cmd, entry.opts, script);
    else servePortForward(socket, entry.ports);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    upgrades,
    execUrl(cmd, opts) {
      const token = `t${next++}`;
      tokens.set(token, { kind: "exec", cmd, opts });
      return `http://127.0.0.1:${port}/exec/${token}`;
    },
    portForwardUrl(ports) {
      const token = `t${next++}`;
      tokens.set(token, { kind: "portforward", ports });
      return `http://127.0.0.1:${port}/portforward/${token}`;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function serveExec(socket: Duplex, cmd: string[], opts: StreamOptions, script: CommandScript): void {
  const got = new Map<string, SpdyStream>();
  const expected = ["error", ...(opts.stdin ? ["stdin"] : []), ...(opts.stdout ? ["stdout"] : []), ...(opts.stderr && !opts.tty ? ["stderr"] : []), ...(opts.tty ? ["resize"] : [])];
  let started = false;
  const spdy = new SpdySession(socket, {
    side: "server",
    onStream: (s) => {
      s.on("error", () => {});
      s.reply();
      got.set(s.headers.streamtype?.[0] ?? "", s);
      if (started || !expected.every((t) => got.has(t))) return;
      started = true;
      void run();
    },
  });
  async function run() {
    const io: CommandIO = { cmd, opts, stdin: got.get("stdin"), stdout: got.get("stdout"), stderr: got.get("stderr"), resizes: [] };
    const resize = got.get("resize");
    if (resize) {
      let buf = "";
      resize.on("data", (c: Buffer) => {
        buf += c.toString();
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          io.resizes.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      });
    }
    const code = await script(io);
    got.get("error")!.write(code === 0 ? successStatus() : exitCodeStatus(code, `error executing command [${cmd.join(" ")}], exit code ${code}`));
    // containerd: every stream reset, then the connection closed.
    await new Promise((r) => setImmediate(r));
    for (const s of got.values()) s.reset();
    spdy.close();
  }
}

function servePortForward(socket: Duplex, ports: Record<number, number>): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  new SpdySession(socket, {
    side: "server",
    onStream: (s) => {
      s.on("error", () => {});
      s.reply();
      const id = s.headers.requestid?.[0] ?? "";
      const pair = pairs.get(id) ?? {};
      pairs.set(id, pair);
      if (s.headers.streamtype?.[0] === "error") pair.error = s;
      else pair.data = s;
      if (!pair.error || !pair.data) return;
      pairs.delete(id);
      const port = Number(s.headers.port?.[0]);
      const target = ports[port];
      const { error, data } = pair as { error: SpdyStream; data: SpdyStream };
      if (!target) {
        error.end(`error forwarding port ${port} to pod fake: no such port`);
        data.end();
        return;
      }
      const conn = net.connect(target, "127.0.0.1");
      conn.on("error", (e) => {
        error.end(`error forwarding port ${port} to pod fake: ${e.message}`);
        data.end();
      });
      conn.on("connect", () => {
        data.pipe(conn);
        conn.pipe(data);
        conn.on("close", () => error.end());
      });
    },
  });
}

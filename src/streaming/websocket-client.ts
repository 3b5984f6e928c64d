/**
 * The client's half of a WebSocket (RFC 6455) on TLS, for `k3rs ctl exec/attach/port-forward`:
 * dial with a client certificate, offer subprotocols, and — unlike the WHATWG WebSocket, which
 * hides a refused handshake — hand back the server's status and body, so that the caller can
 * show the apiserver's `Status` (`pods "x" not found`, `container y is not valid`) as kubectl does.
 *
 * @example
 *   const ws = await dialWebSocket({ url: "https://127.0.0.1:6443/api/v1/…/exec?…", protocols: ["v5.channel.k8s.io"], tls });
 *   ws.onMessage((data) => …);
 *   ws.send(Buffer.from([0, 104, 105]));
 */
import { randomBytes } from "node:crypto";
import { connect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { acceptKey, encodeFrame, Opcode, WebSocketFrameParser, closePayload } from "./websocket-frames.ts";
import { readBody, readResponseHead, requestHead, type HeaderPairs } from "./http-upgrade.ts";

export interface DialOptions {
  /** http(s) URL; the path and query go in the request line. */
  url: string;
  protocols: string[];
  tls: ConnectionOptions;
  headers?: HeaderPairs;
  timeoutMs?: number;
}

/** The server answered the upgrade with something other than 101 Switching Protocols. */
export class HandshakeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`the server refused the upgrade with HTTP ${status}: ${body.slice(0, 200)}`);
    this.name = "HandshakeRefused";
  }
}

export class ClientWebSocket {
  private readonly parser = new WebSocketFrameParser({ expectMasked: false });
  private fragments: Buffer[] = [];
  private messageHandler: (data: Buffer) => void = () => {};
  private closed = false;
  /** Settles when the connection ends, with the close code the server sent (1005 when none). */
  readonly done: Promise<number>;

  constructor(
    private readonly socket: TLSSocket,
    readonly protocol: string,
  ) {
    let closeCode = 1005;
    this.done = new Promise((resolve) => {
      socket.on("close", () => {
        this.closed = true;
        resolve(closeCode);
      });
    });
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      let frames;
      try {
        frames = this.parser.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const f of frames) {
        if (f.opcode === Opcode.Close) {
          closeCode = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
          this.close(closeCode === 1005 ? 1000 : closeCode);
          socket.end();
        } else if (f.opcode === Opcode.Ping) this.write(Opcode.Pong, f.payload);
        else if (f.opcode === Opcode.Binary || f.opcode === Opcode.Text || f.opcode === Opcode.Continuation) {
          this.fragments.push(f.payload);
          if (f.fin) {
            const msg = Buffer.concat(this.fragments);
            this.fragments = [];
            this.messageHandler(msg);
          }
        }
      }
    });
    socket.resume();
  }

  onMessage(handler: (data: Buffer) => void): void {
    this.messageHandler = handler;
  }

  send(data: Uint8Array): void {
    this.write(Opcode.Binary, data);
  }

  close(code = 1000): void {
    if (this.closed) return;
    this.write(Opcode.Close, closePayload(code));
    this.closed = true;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private write(opcode: number, payload: Uint8Array): void {
    if (this.socket.destroyed || (this.closed && opcode !== Opcode.Close)) return;
    // Clients mask every frame (RFC 6455 §5.3).
    this.socket.write(encodeFrame(opcode, payload, { mask: randomBytes(4) }));
  }
}

export async function dialWebSocket(o: DialOptions): Promise<ClientWebSocket> {
  const u = new URL(o.url);
  const socket = connect({ ...o.tls, host: u.hostname, port: Number(u.port || 443), servername: isIp(u.hostname) ? undefined : u.hostname, ALPNProtocols: ["http/1.1"] });
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("error", reject);
  });
  const key = randomBytes(16).toString("base64");
  const headers: HeaderPairs = [
    ["Host", u.host],
    ["Connection", "Upgrade"],
    ["Upgrade", "websocket"],
    ["Sec-WebSocket-Version", "13"],
    ["Sec-WebSocket-Key", key],
    ["Sec-WebSocket-Protocol", o.protocols.join(", ")],
    ...(o.headers ?? []),
  ];
  socket.write(requestHead("GET", u.pathname + u.search, headers));
  const head = await readResponseHead(socket, { timeoutMs: o.timeoutMs ?? 30_000 });
  if (head.status !== 101) {
    const body = (await readBody(socket, head)).toString("utf8");
    socket.destroy();
    throw new HandshakeRefused(head.status, body);
  }
  if (head.headers["sec-websocket-accept"]?.[0] !== acceptKey(key)) {
    socket.destroy();
    throw new Error("the server's Sec-WebSocket-Accept does not match the key sent");
  }
  return new ClientWebSocket(socket, head.headers["sec-websocket-protocol"]?.[0] ?? "");
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

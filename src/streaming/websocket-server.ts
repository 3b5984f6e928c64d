/**
 * The server end of a WebSocket over any byte stream (a tunnel stream or a TLS socket handed
 * over by an HTTP upgrade): the handshake answer, then messages in and out. Pings are
 * answered at once (kubectl sends one every 5 s and gives up after 12 unanswered); a close
 * from the peer is echoed and ends the stream.
 *
 * @example
 *   const protocol = chooseProtocol(req.headers, ["v5.channel.k8s.io"]);
 *   const ws = acceptWebSocket(socket, head, req.headers, protocol, { onMessage: (data) => …, onClose: () => … });
 *   ws.send(Buffer.from([1, 104, 105]));
 *   ws.close(1000);
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import { errors } from "../model/errors.ts";
import { acceptKey, closePayload, encodeFrame, Opcode, WebSocketFrameParser, WebSocketProtocolError } from "./websocket-frames.ts";

export const CLOSE_NORMAL = 1000;
const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_TOO_BIG = 1009;
/** After our close frame, how long the peer gets to answer before the stream is cut. */
const CLOSE_GRACE_MS = 5_000;
const MAX_MESSAGE = 16 * 1024 * 1024;

function headerValue(h: string | string[] | undefined): string {
  return Array.isArray(h) ? h.join(",") : (h ?? "");
}

/** The apiserver's `wsstream.IsWebSocketRequest`: `Upgrade: websocket` and `Connection` naming upgrade. */
export function isWebSocketRequest(headers: IncomingHttpHeaders): boolean {
  if (headerValue(headers.upgrade).toLowerCase() !== "websocket") return false;
  return headerValue(headers.connection).toLowerCase().split(",").some((t) => t.trim() === "upgrade");
}

/** The subprotocols the client offers, in its order of preference. */
export function offeredProtocols(headers: IncomingHttpHeaders): string[] {
  return headerValue(headers["sec-websocket-protocol"]).split(",").map((p) => p.trim()).filter(Boolean);
}

/** The first of the client's protocols the server supports, or undefined. */
export function chooseProtocol(headers: IncomingHttpHeaders, supported: readonly string[]): string | undefined {
  return offeredProtocols(headers).find((p) => supported.includes(p));
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface WebSocketHandlers {
  /** A whole message (fragments joined); `binary` false for text messages. */
  onMessage(data: Buffer, binary: boolean): void;
  /** Called once, when the connection is over for whatever reason. */
  onClose?(info: CloseInfo): void;
}

export class WebSocketConnection {
  private readonly parser = new WebSocketFrameParser({ expectMasked: true, maxPayload: MAX_MESSAGE });
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentBytes = 0;
  private closeSent = false;
  private finished = false;
  private closeInfo: CloseInfo = { code: 1006, reason: "connection lost" };

  /** `head`: bytes that came with the upgrade request, the start of the first frames. */
  constructor(
    private readonly socket: Duplex,
    private readonly handlers: WebSocketHandlers,
    head: Buffer = Buffer.alloc(0),
  ) {
    if (head.length) this.receive(head);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("end", () => socket.end());
    socket.on("close", () => this.finish());
    socket.on("error", () => socket.destroy());
    // A socket handed over after an upgrade may have been left paused.
    socket.resume();
  }

  /** Sends one binary message; false when the stream's buffer is full (wait for `drain`). */
  send(data: Uint8Array): boolean {
    if (this.closeSent || this.socket.destroyed) return false;
    return this.socket.write(encodeFrame(Opcode.Binary, data));
  }

  /** Resolves when the stream can take more (at once when it can). */
  drained(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return Promise.resolve();
    return new Promise((r) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        r();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  /** Stops reading (back-pressure towards the client). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Starts the closing handshake; the stream ends once the peer answers, or after a grace period. */
  close(code = CLOSE_NORMAL, reason = ""): void {
    if (this.closeSent || this.socket.destroyed) return;
    this.closeSent = true;
    this.closeInfo = { code, reason };
    this.socket.write(encodeFrame(Opcode.Close, closePayload(code, reason)));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref?.();
  }

  /** Cuts the connection without a closing handshake. */
  destroy(): void {
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.finished || this.closeSent;
  }

  private receive(chunk: Buffer): void {
    let frames;
    try {
      frames = this.parser.push(chunk);
    } catch (e) {
      const err = e as WebSocketProtocolError;
      this.close(err.code ?? CLOSE_PROTOCOL_ERROR, err.message);
      return;
    }
    for (const f of frames) {
      if (this.finished) return;
      switch (f.opcode) {
        case Opcode.Ping:
          if (!this.closeSent) this.socket.write(encodeFrame(Opcode.Pong, f.payload));
          break;
        case Opcode.Pong:
          break;
        case Opcode.Close: {
          const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
          const reason = f.payload.length > 2 ? f.payload.subarray(2).toString("utf8") : "";
          if (!this.closeSent) {
            this.closeSent = true;
            this.closeInfo = { code, reason };
            this.socket.write(encodeFrame(Opcode.Close, f.payload.subarray(0, 2)));
            this.socket.end();
          }
          this.finish();
          return;
        }
        case Opcode.Text:
        case Opcode.Binary:
        case Opcode.Continuation:
          if (!this.data(f.opcode, f.fin, f.payload)) return;
          break;
        default:
          this.close(CLOSE_PROTOCOL_ERROR, `unknown opcode ${f.opcode}`);
          return;
      }
    }
  }

  /** Joins fragments; false when the message broke the protocol (the connection is closing). */
  private data(opcode: number, fin: boolean, payload: Buffer): boolean {
    if (opcode === Opcode.Continuation) {
      if (!this.fragmentOpcode) {
        this.close(CLOSE_PROTOCOL_ERROR, "a continuation frame without a message");
        return false;
      }
    } else {
      if (this.fragmentOpcode) {
        this.close(CLOSE_PROTOCOL_ERROR, "a new message inside a fragmented one");
        return false;
      }
      if (fin) {
        if (!this.closeSent) this.handlers.onMessage(payload, opcode === Opcode.Binary);
        return true;
      }
      this.fragmentOpcode = opcode;
    }
    this.fragments.push(payload);
    this.fragmentBytes += payload.length;
    if (this.fragmentBytes > MAX_MESSAGE) {
      this.close(CLOSE_TOO_BIG, "message too big");
      return false;
    }
    if (fin) {
      const whole = Buffer.concat(this.fragments);
      const binary = this.fragmentOpcode === Opcode.Binary;
      this.fragments = [];
      this.fragmentOpcode = 0;
      this.fragmentBytes = 0;
      if (!this.closeSent) this.handlers.onMessage(whole, binary);
    }
    return true;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.handlers.onClose?.(this.closeInfo);
  }
}

/**
 * Answers the upgrade (101 with the chosen subprotocol) and returns the connection. Throws a
 * 400 StatusError, before anything is written, when the request is not a valid WebSocket
 * opening handshake.
 */
export function acceptWebSocket(socket: Duplex, head: Buffer, headers: IncomingHttpHeaders, protocol: string | undefined, handlers: WebSocketHandlers): WebSocketConnection {
  const key = headerValue(headers["sec-websocket-key"]).trim();
  if (!isWebSocketRequest(headers) || !key) throw errors.badRequest("not a WebSocket handshake: Upgrade, Connection and Sec-WebSocket-Key are required");
  if (headerValue(headers["sec-websocket-version"]).trim() !== "13") throw errors.badRequest("unsupported WebSocket version: only 13 is spoken");
  const lines = [
    "HTTP/1.1 101 Switching Protocols",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
  ];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(lines.join("\r\n") + "\r\n\r\n");
  return new WebSocketConnection(socket, handlers, head);
}

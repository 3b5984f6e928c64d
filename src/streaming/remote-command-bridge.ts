/**
 * The apiserver's StreamTranslator, done on the node: a WebSocket client speaking
 * `v5.channel.k8s.io` (kubectl ≥ 1.30) or `v4.channel.k8s.io`, bridged to a SPDY
 * `v4.channel.k8s.io` session on the CRI streaming server (containerd speaks v4 over SPDY and
 * WebSocket, but only SPDY can half-close stdin — which `kubectl cp` and
 * `echo x | kubectl exec -i` need, and which v5's CLOSE signal asks for).
 *
 * Channels map onto SPDY streams one for one: stdin (0) → the stdin stream, v5 CLOSE of 0 →
 * its FIN; the stdout (1) and stderr (2) streams → messages on those channels; resize (4) →
 * the resize stream (the same JSON sizes); and the error stream's Status → channel 3, sent
 * after the last output, then a normal close. The client reads output until the close, so
 * nothing may follow the Status.
 *
 * @example
 *   const streams = await openRemoteCommandStreams(spdy, opts);
 *   const ws = acceptWebSocket(socket, head, req.headers, protocol, bridge.handlers);
 */
import type { Duplex } from "node:stream";
import type { SpdySession, SpdyStream } from "./spdy-session.ts";
import { Channel, internalErrorStatus, STREAM_TYPE_HEADER, StreamProtocolV5, StreamType, type StreamOptions } from "./remote-command.ts";
import { CLOSE_NORMAL, type WebSocketConnection, type WebSocketHandlers } from "./websocket-server.ts";

/**
 * How long output waits after the upgrade. kubectl (client-go's WebSocket executor, 1.30–1.32)
 * starts reading the connection and creating its streams in two goroutines at once, and drops
 * a message for a stream not created yet ("Unknown stream id 2, discarding message"). Output
 * the runtime had ready at the upgrade left in the same write as the 101, and a command's
 * first stderr line was lost in a test run. Behind an apiserver the runtime is dialled only
 * after the upgrade, which leaves the client that much time; this is that time, given on purpose.
 */
export const OUTPUT_HOLD_MS = 30;

export interface RemoteCommandStreams {
  error: SpdyStream;
  stdin?: SpdyStream;
  stdout?: SpdyStream;
  stderr?: SpdyStream;
  resize?: SpdyStream;
}

/** The streams a v4 server waits for, in client-go's order: error first, resize last (tty only). */
export async function openRemoteCommandStreams(spdy: SpdySession, o: StreamOptions): Promise<RemoteCommandStreams> {
  const open = (type: string) => spdy.open({ [STREAM_TYPE_HEADER]: type });
  const streams: RemoteCommandStreams = { error: await open(StreamType.Error) };
  // We never write to the error stream: half-close it as client-go does.
  streams.error.end();
  if (o.stdin) streams.stdin = await open(StreamType.Stdin);
  if (o.stdout) streams.stdout = await open(StreamType.Stdout);
  if (o.stderr && !o.tty) streams.stderr = await open(StreamType.Stderr);
  if (o.tty) streams.resize = await open(StreamType.Resize);
  for (const s of Object.values(streams) as SpdyStream[]) s.on("error", () => {});
  return streams;
}

/**
 * Wires a WebSocket (accepted with `handlers`, then `start`ed) to the SPDY streams. `done`
 * resolves with the Status sent on the error channel once the command is over, or undefined
 * when the client left first.
 */
export class RemoteCommandBridge {
  private ws: WebSocketConnection | undefined;
  private clientGone = false;
  private finished = false;
  readonly done: Promise<Buffer | undefined>;
  private resolveDone!: (s: Buffer | undefined) => void;

  constructor(
    private readonly spdy: SpdySession,
    private readonly streams: RemoteCommandStreams,
    private readonly protocol: string,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  readonly handlers: WebSocketHandlers = {
    onMessage: (data) => this.fromClient(data),
    onClose: () => {
      this.clientGone = true;
      if (!this.finished) {
        this.finished = true;
        // The client left (kubectl killed, terminal closed): stop the command's streams.
        this.spdy.destroy();
        this.resolveDone(undefined);
      }
    },
  };

  /** Starts copying once the WebSocket is accepted. */
  start(ws: WebSocketConnection): void {
    this.ws = ws;
    // Held (OUTPUT_HOLD_MS says why); the streams buffer meanwhile and apply back-pressure.
    const held = new Promise<void>((r) => setTimeout(r, OUTPUT_HOLD_MS));
    const outputs: Promise<void>[] = [];
    if (this.streams.stdout) outputs.push(held.then(() => this.toClient(this.streams.stdout!, Channel.Stdout)));
    if (this.streams.stderr) outputs.push(held.then(() => this.toClient(this.streams.stderr!, Channel.Stderr)));
    const status = readAll(this.streams.error);
    if (this.streams.stdin) {
      const stdin = this.streams.stdin;
      stdin.on("drain", () => this.ws?.resume());
    }
    // A connection that ends or resets ends every stream too (after what they hold is read).
    void Promise.all([...outputs, status]).then(async () => this.finish(await status));
  }

  private fromClient(data: Buffer): void {
    if (!data.length) return;
    const channel = data[0];
    const payload = data.subarray(1);
    switch (channel) {
      case Channel.Stdin:
        if (this.streams.stdin && !this.streams.stdin.writableEnded && payload.length) {
          if (!this.streams.stdin.write(payload)) this.ws?.pause();
        }
        return;
      case Channel.Resize:
        if (this.streams.resize && !this.streams.resize.writableEnded) this.streams.resize.write(payload);
        return;
      case Channel.Close:
        // v5 only: the client is done writing to a channel (stdin is the one that matters).
        if (this.protocol === StreamProtocolV5 && payload[0] === Channel.Stdin) this.streams.stdin?.end();
        if (this.protocol === StreamProtocolV5 && payload[0] === Channel.Resize) this.streams.resize?.end();
        return;
      default:
        return;
    }
  }

  private toClient(stream: SpdyStream, channel: number): Promise<void> {
    return new Promise((resolve) => {
      // Gone while output was held: nothing more will come.
      if (stream.destroyed || stream.readableEnded) return resolve();
      const prefix = Buffer.from([channel]);
      stream.on("data", (chunk: Buffer) => {
        if (!this.ws || this.clientGone) return;
        if (!this.ws.send(Buffer.concat([prefix, chunk]))) {
          stream.pause();
          void this.ws.drained().then(() => stream.resume());
        }
      });
      stream.once("end", () => resolve());
      stream.once("close", () => resolve());
    });
  }

  private finish(status: Buffer): void {
    if (this.finished) return;
    this.finished = true;
    // An error stream that ended empty means the server never reported how the command went.
    const body = status.length ? status : internalErrorStatus("error stream closed without a status: the runtime's stream connection was lost");
    if (this.ws && !this.clientGone) {
      this.ws.send(Buffer.concat([Buffer.from([Channel.Error]), body]));
      this.ws.close(CLOSE_NORMAL);
    }
    this.spdy.close();
    this.resolveDone(body);
  }
}

function readAll(s: Duplex): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    s.on("data", (c: Buffer) => parts.push(c));
    s.once("end", () => resolve(Buffer.concat(parts)));
    s.once("close", () => resolve(Buffer.concat(parts)));
  });
}

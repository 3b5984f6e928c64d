/**
 * The client side of exec and attach over WebSocket (`v5.channel.k8s.io`, `v4` as fallback):
 * stdin from the terminal (raw when a tty is used), stdout/stderr to ours, resizes on channel
 * 4, and the exit code read from the Status on the error channel — a non-zero exit ends the
 * command as kubectl does (`command terminated with exit code N`, exit N).
 */
import { toStatusError } from "../../client/rest-client.ts";
import { Channel, StreamProtocolV4, StreamProtocolV5 } from "../../streaming/remote-command.ts";
import { dialWebSocket, HandshakeRefused } from "../../streaming/websocket-client.ts";
import type { Terminal } from "./command.ts";
import { ExitError, type CtlContext } from "./context.ts";

export interface RemoteCommandOptions {
  stdin: boolean;
  tty: boolean;
  terminal: Terminal;
}

/** Dials `path?query` and runs the session to its end; resolves the exit code (throws ExitError for a remote non-zero one). */
export async function runRemoteCommand(ctx: CtlContext, path: string, query: URLSearchParams, o: RemoteCommandOptions): Promise<number> {
  const cfg = ctx.client.config;
  let ws;
  try {
    ws = await dialWebSocket({
      url: `${cfg.server}${path}?${query}`,
      protocols: [StreamProtocolV5, StreamProtocolV4],
      tls: { ca: cfg.ca, cert: cfg.cert, key: cfg.key, rejectUnauthorized: !cfg.insecure },
      headers: cfg.token ? [["Authorization", `Bearer ${cfg.token}`]] : [],
    });
  } catch (e) {
    if (e instanceof HandshakeRefused) throw toStatusError(e.status, safeJson(e.body), e.body);
    throw e;
  }
  const t = o.terminal;
  let status: Buffer | undefined;
  ws.onMessage((msg) => {
    if (msg.length < 1) return;
    const data = msg.subarray(1);
    switch (msg[0]) {
      case Channel.Stdout:
        if (data.length) t.stdout.write(data);
        break;
      case Channel.Stderr:
        if (data.length) t.stderr.write(data);
        break;
      case Channel.Error:
        status = status ? Buffer.concat([status, data]) : Buffer.from(data);
        break;
    }
  });
  const raw = o.tty && t.stdin.isTTY;
  const cleanups: (() => void)[] = [];
  if (raw) {
    t.stdin.setRawMode(true);
    cleanups.push(() => t.stdin.setRawMode(false));
    const sendSize = () => {
      if (t.stdout.columns && t.stdout.rows) ws.send(Buffer.concat([Buffer.from([Channel.Resize]), Buffer.from(JSON.stringify({ Width: t.stdout.columns, Height: t.stdout.rows }))]));
    };
    sendSize();
    t.stdout.on("resize", sendSize);
    cleanups.push(() => t.stdout.off("resize", sendSize));
  }
  if (o.stdin) {
    const onData = (chunk: Buffer) => ws.send(Buffer.concat([Buffer.from([Channel.Stdin]), chunk]));
    // v5 can tell the other end that stdin is done; v4 cannot, and the command keeps waiting (as with kubectl).
    const onEnd = () => {
      if (ws.protocol === StreamProtocolV5) ws.send(Buffer.from([Channel.Close, Channel.Stdin]));
    };
    t.stdin.on("data", onData);
    t.stdin.once("end", onEnd);
    t.stdin.resume();
    cleanups.push(() => {
      t.stdin.off("data", onData);
      t.stdin.off("end", onEnd);
      t.stdin.pause();
    });
  }
  try {
    await ws.done;
  } finally {
    for (const c of cleanups) c();
  }
  return exitFrom(status);
}

/** kubectl's errorDecoderV4: Success → 0, NonZeroExitCode → that code, other failures → their message. */
export function exitFrom(status: Buffer | undefined): number {
  if (!status || status.length === 0) return 0;
  let s: any;
  try {
    s = JSON.parse(status.toString("utf8"));
  } catch (e) {
    throw new Error(`error stream protocol error: ${(e as Error).message} in ${JSON.stringify(status.toString("utf8"))}`);
  }
  if (s?.status === "Success") return 0;
  if (s?.status !== "Failure") throw new Error("error stream protocol error: unknown error");
  if (s.reason === "NonZeroExitCode") {
    const cause = (s.details?.causes ?? []).find((c: any) => c?.reason === "ExitCode");
    const code = Number(cause?.message);
    if (!Number.isInteger(code)) throw new Error(`error stream protocol error: invalid exit code value ${JSON.stringify(cause?.message)}`);
    throw new ExitError(`command terminated with exit code ${code}`, code);
  }
  throw new Error(String(s.message ?? "unknown error"));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Kubernetes' remote-command protocol (exec and attach), the parts both transports share:
 * protocol names, the WebSocket channel numbers (the POSIX descriptors, then error and
 * resize; v5 adds 255, CLOSE), the stream types SPDY names its streams by, and the Status
 * objects the error channel carries — Success, NonZeroExitCode with an ExitCode cause, or
 * another failure — encoded as `json.Marshal(metav1.Status)` writes them.
 *
 * @example
 *   ws.send(Buffer.concat([Buffer.from([Channel.Error]), exitCodeStatus(3)]));
 */
import { errors, type StatusError } from "../model/errors.ts";

export const StreamProtocolV5 = "v5.channel.k8s.io";
export const StreamProtocolV4 = "v4.channel.k8s.io";
/** WebSocket protocols the agent speaks for exec and attach, preferred first. */
export const WEBSOCKET_PROTOCOLS = [StreamProtocolV5, StreamProtocolV4] as const;

export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Error: 3, Resize: 4, Close: 255 } as const;
export const StreamType = { Stdin: "stdin", Stdout: "stdout", Stderr: "stderr", Error: "error", Resize: "resize" } as const;
/** The SPDY header naming a stream's role. */
export const STREAM_TYPE_HEADER = "streamType";
export const PROTOCOL_HEADER = "X-Stream-Protocol-Version";

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * The kubelet's `NewOptions`: `1`/`true` turn a stream on; stderr is dropped with a tty (the
 * terminal merges it into stdout); at least one stream is required.
 */
export function streamOptionsFrom(params: URLSearchParams): StreamOptions | StatusError {
  const on = (name: string) => ["1", "true", "t", "True", "TRUE"].includes(params.get(name) ?? "");
  const tty = on("tty");
  const o = { stdin: on("stdin"), stdout: on("stdout"), stderr: on("stderr") && !tty, tty };
  if (!o.stdin && !o.stdout && !o.stderr) return errors.badRequest("you must specify at least 1 of stdin, stdout, stderr");
  return o;
}

const json = (o: object) => Buffer.from(JSON.stringify(o));

export function successStatus(): Buffer {
  return json({ metadata: {}, status: "Success" });
}

/** How the apiserver's stream translator reports a command's non-zero exit. */
export function exitCodeStatus(code: number, detail = `command terminated with exit code ${code}`): Buffer {
  return json({
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: ${detail}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  });
}

/** `apierrors.NewInternalError(err)`, which kubectl prints as `Internal error occurred: …`. */
export function internalErrorStatus(message: string): Buffer {
  return json({
    metadata: {},
    status: "Failure",
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  });
}

/** The exit code a Status on the error channel reports: 0 for Success, undefined for other failures. */
export function exitCodeOf(status: Buffer): number | undefined {
  let s: any;
  try {
    s = JSON.parse(status.toString("utf8"));
  } catch {
    return undefined;
  }
  if (s?.status === "Success") return 0;
  if (s?.reason !== "NonZeroExitCode") return undefined;
  const cause = (s.details?.causes ?? []).find((c: any) => c?.reason === "ExitCode");
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
}

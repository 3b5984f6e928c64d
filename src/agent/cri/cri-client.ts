/**
 * A thin CRI client: any RuntimeService/ImageService call by name, over one HTTP/2 session
 * to the runtime's unix socket (grpc-channel.ts), with a deadline on every call and errors as
 * CriError values. Requests and replies are encoded from the CRI schema's tables
 * (proto-encode.ts, proto-decode.ts), not by grpc-js, which with its loaders cost the agent ~31 MiB.
 *
 * One session per client matters: the first call pays for the connection and HTTP/2 set-up
 * (40–100 ms measured against containerd), later calls about 5 ms. Both services ride on it.
 *
 * @example
 *   const cri = new CriClient("unix:///var/lib/k3rs/agent/containerd/containerd.sock");
 *   await cri.waitReady(30_000);
 *   const { items } = await cri.call("RuntimeService", "ListPodSandbox", {});
 *   cri.close();
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { CriError } from "./cri-error.ts";
import { GrpcChannel } from "./grpc-channel.ts";
import { decodeMessage } from "./proto-decode.ts";
import { encodeMessage } from "./proto-encode.ts";
import { criSchema, type CriServiceName } from "./proto.ts";

export { CriError, isCriError, type CriErrorCode } from "./cri-error.ts";
export type { CriServiceName } from "./proto.ts";

export interface CallOptions {
  /** Deadline for this call; see defaultTimeoutMs for what applies without it. */
  timeoutMs?: number;
}

const BASE_TIMEOUT_MS = 30_000;
const LONG_TIMEOUT_MS = 120_000;
/** Calls that legitimately take long: a pull, a graceful stop, CNI set-up of a sandbox. */
const LONG_CALLS = new Set(["PullImage", "StopContainer", "RunPodSandbox"]);

/**
 * The deadline a call gets when the caller names none. Calls carrying their own timeout in
 * seconds (StopContainer's grace period, ExecSync's limit) get that much more, as the kubelet
 * does, so a 5-minute grace period is not cut off by the client.
 */
export function defaultTimeoutMs(method: string, request: object): number {
  const base = LONG_CALLS.has(method) ? LONG_TIMEOUT_MS : BASE_TIMEOUT_MS;
  if (method !== "StopContainer" && method !== "ExecSync") return base;
  const seconds = Number((request as { timeout?: unknown }).timeout ?? 0);
  return Number.isFinite(seconds) && seconds > 0 ? Math.max(base, seconds * 1000 + BASE_TIMEOUT_MS) : base;
}

function unixSocketPath(target: string): string | undefined {
  const m = /^unix:(?:\/\/)?(\/.*)$/.exec(target);
  return m ? m[1] : undefined;
}

/** "unix:///run/x.sock", "unix:/run/x.sock" and "/run/x.sock" all name the same socket. */
export function grpcTarget(endpoint: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(endpoint)) return endpoint;
  return `unix://${resolve(endpoint)}`;
}

export class CriClient {
  readonly target: string;
  private readonly channel: GrpcChannel;
  private closed = false;

  constructor(endpoint: string) {
    this.target = grpcTarget(endpoint);
    const socket = unixSocketPath(this.target);
    // containerd and CRI-O listen on unix sockets only; anything else is refused per call.
    this.channel = new GrpcChannel(socket ?? "", { maxReceiveBytes: 16 * 1024 * 1024 });
  }

  /**
   * Calls `service.method` with a camelCase request object and resolves with the camelCase
   * response (int64 fields as decimal strings, enums as names). Rejects with CriError.
   */
  async call<T = any>(service: CriServiceName, method: string, request: object, opts: CallOptions = {}): Promise<T> {
    if (this.closed) throw new CriError(method, "CANCELLED", "client is closed");
    const schema = criSchema();
    const m = schema.services.get(service)?.get(method);
    if (!m) throw new CriError(method, "UNIMPLEMENTED", `${service} has no method ${method} here`);
    if (unixSocketPath(this.target) === undefined) throw new CriError(method, "UNAVAILABLE", `${this.target} is not a unix socket`);
    let body: Uint8Array;
    try {
      body = encodeMessage(schema, m.request, request);
    } catch (err) {
      throw new CriError(method, "INTERNAL", `cannot encode the request: ${(err as Error).message}`, { cause: err });
    }
    let reply: Buffer;
    try {
      reply = await this.channel.unary(m.path, body, opts.timeoutMs ?? defaultTimeoutMs(method, request));
    } catch (err) {
      throw CriError.from(method, err);
    }
    try {
      return decodeMessage(schema, m.response, reply) as T;
    } catch (err) {
      throw new CriError(method, "INTERNAL", `cannot decode the reply: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Retries Version until the runtime answers (its socket may not exist yet) or timeoutMs
   * passes; resolves with the VersionResponse, rejects with the last CriError.
   */
  async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<VersionInfo> {
    const until = Date.now() + timeoutMs;
    const socket = unixSocketPath(this.target);
    let last = new CriError("Version", "UNAVAILABLE", `no answer from ${this.target}`);
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      if (signal?.aborted) throw new CriError("Version", "CANCELLED", "waiting for the runtime was aborted", { cause: last });
      // Dialling before the socket exists would only grow the channel's reconnect back-off.
      if (socket !== undefined && !existsSync(socket)) {
        last = new CriError("Version", "UNAVAILABLE", `no socket at ${socket}`);
      } else {
        const left = until - Date.now();
        try {
          return await this.call<VersionInfo>("RuntimeService", "Version", { version: "v1" }, {
            timeoutMs: Math.max(1, Math.min(left, 2_000)),
          });
        } catch (err) {
          last = CriError.from("Version", err);
        }
      }
      if (Date.now() + pause >= until) throw last;
      await Bun.sleep(pause);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
  }
}

export interface VersionInfo {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

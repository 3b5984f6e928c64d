/**
 * A thin CRI client: any RuntimeService/ImageService call by name, over one gRPC channel to
 * the runtime's unix socket, with a deadline on every call and errors as CriError values.
 *
 * One channel per client matters: the first call on a channel pays for the connection and
 * HTTP/2 set-up (40–100 ms measured against containerd), later calls about 5 ms. Both
 * services ride on that one channel.
 *
 * @example
 *   const cri = new CriClient("unix:///var/lib/k3rs/agent/containerd/containerd.sock");
 *   await cri.waitReady(30_000);
 *   const { items } = await cri.call("RuntimeService", "ListPodSandbox", {});
 *   cri.close();
 */
import * as grpc from "@grpc/grpc-js";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { CriError } from "./cri-error.ts";
import { criServices, type CriServiceName } from "./proto.ts";

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

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // A local socket: reconnect quickly after containerd restarts instead of grpc's 1 s → 120 s.
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 2_000,
  // The kubelet's limit; ListContainers on a full node exceeds the 4 MiB default.
  "grpc.max_receive_message_length": 16 * 1024 * 1024,
  "grpc.max_send_message_length": 16 * 1024 * 1024,
};

export class CriClient {
  readonly target: string;
  private readonly clients: Record<CriServiceName, grpc.Client>;
  private closed = false;

  constructor(endpoint: string) {
    this.target = grpcTarget(endpoint);
    const { RuntimeService, ImageService } = criServices();
    const runtime = new RuntimeService(this.target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const image = new ImageService(this.target, grpc.credentials.createInsecure(), {
      ...CHANNEL_OPTIONS,
      channelOverride: runtime.getChannel(),
    });
    this.clients = { RuntimeService: runtime, ImageService: image };
  }

  /**
   * Calls `service.method` with a camelCase request object and resolves with the camelCase
   * response (int64 fields as decimal strings, enums as names). Rejects with CriError.
   */
  call<T = any>(service: CriServiceName, method: string, request: object, opts: CallOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new CriError(method, "CANCELLED", "client is closed"));
    const client = this.clients[service] as unknown as Record<string, Function | undefined>;
    const fn = criServices()[service].service[method] ? client[method] : undefined;
    if (!fn) return Promise.reject(new CriError(method, "UNIMPLEMENTED", `${service} has no method ${method} here`));
    const deadline = Date.now() + (opts.timeoutMs ?? defaultTimeoutMs(method, request));
    return new Promise<T>((resolvePromise, reject) => {
      try {
        fn.call(client, request, { deadline }, (err: grpc.ServiceError | null, response: T) => {
          if (err) reject(CriError.from(method, err));
          else resolvePromise(response);
        });
      } catch (err) {
        // grpc-js throws synchronously for a request it cannot serialize.
        reject(CriError.from(method, err));
      }
    });
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
    // The image client shares the runtime client's channel; closing that one closes both.
    this.clients.ImageService.close();
    this.clients.RuntimeService.close();
  }
}

export interface VersionInfo {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

/**
 * Unary gRPC calls over HTTP/2 cleartext (prior knowledge) on a unix socket, with node:http2.
 *
 * Written by hand because the CRI needs only unary calls to a local socket, and
 * @grpc/grpc-js with its loaders costs the agent ~31 MiB of RSS (bench/agent-modules-rss.ts).
 * The protocol is gRPC's "PROTOCOL-HTTP2": a POST to `/package.Service/Method` with
 * `content-type: application/grpc` and `te: trailers`, the body one length-prefixed message
 * (1 byte "compressed" flag, 4 bytes big-endian length), the answer the same framing followed
 * by `grpc-status` / `grpc-message` trailers (or only those, in the headers, when the call
 * fails at once).
 *
 * One HTTP/2 session is kept and shared by every call: the first call pays for the connection
 * (40–100 ms measured against containerd), later ones do not. A session that closes — as when
 * containerd restarts — is dropped and the next call dials again; calls made while nothing
 * listens fail at once with UNAVAILABLE, as grpc-js's did.
 *
 * @example
 *   const ch = new GrpcChannel("/run/containerd/containerd.sock");
 *   const reply = await ch.unary("/runtime.v1.RuntimeService/Version", requestBytes, 5_000);
 *   ch.close();
 */
import http2 from "node:http2";
import net from "node:net";

/** gRPC status codes by number (grpc/doc/statuscodes.md). */
export const GRPC_CODES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
  "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
] as const;
export type GrpcCode = (typeof GRPC_CODES)[number];

/** A call that ended without an OK status: the code's name and the peer's (or our) message. */
export class GrpcStatusError extends Error {
  constructor(readonly code: GrpcCode, readonly details: string, options?: { cause?: unknown }) {
    super(`${code}: ${details}`, options);
    this.name = "GrpcStatusError";
  }
}

export interface GrpcChannelOptions {
  /** Largest reply accepted; the kubelet allows 16 MiB (ListContainers on a full node). */
  maxReceiveBytes?: number;
}

/** What an HTTP status means when no grpc-status came (gRPC's http-grpc-status-mapping.md). */
function codeForHttpStatus(status: number): GrpcCode {
  if (status === 400) return "INTERNAL";
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 403) return "PERMISSION_DENIED";
  if (status === 404) return "UNIMPLEMENTED";
  if (status === 429 || status === 502 || status === 503 || status === 504) return "UNAVAILABLE";
  return "UNKNOWN";
}

function decodeGrpcMessage(v: unknown): string {
  const s = Array.isArray(v) ? v.join(",") : String(v ?? "");
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** gRPC's timeout header: at most 8 digits and a unit. */
function grpcTimeout(ms: number): string {
  const n = Math.max(1, Math.ceil(ms));
  return n < 1e8 ? `${n}m` : `${Math.ceil(n / 1000)}S`;
}

export class GrpcChannel {
  private session?: http2.ClientHttp2Session;
  private inFlight = 0;
  private closed = false;
  private readonly maxReceiveBytes: number;

  constructor(readonly socketPath: string, opts: GrpcChannelOptions = {}) {
    this.maxReceiveBytes = opts.maxReceiveBytes ?? 16 * 1024 * 1024;
  }

  private connect(): http2.ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(this.socketPath) });
    // Errors reach each stream too (that is where calls learn of them); this keeps an
    // unhandled session error from throwing.
    session.on("error", () => {});
    const drop = () => {
      if (this.session === session) this.session = undefined;
    };
    session.on("close", drop);
    // containerd going away sends GOAWAY: calls already sent finish, new ones need a new session.
    session.on("goaway", drop);
    this.session = session;
    return session;
  }

  /** An idle session must not keep the process alive; one with calls in flight must. */
  private setRef(): void {
    const s = this.session as (http2.ClientHttp2Session & { ref?(): void; unref?(): void }) | undefined;
    if (this.inFlight > 0) s?.ref?.();
    else s?.unref?.();
  }

  /**
   * Sends one request message and resolves with the reply message's bytes. Rejects with a
   * GrpcStatusError: the runtime's status, DEADLINE_EXCEEDED after `timeoutMs`, UNAVAILABLE
   * when the socket cannot be reached or the connection drops mid-call.
   */
  unary(path: string, message: Uint8Array, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new GrpcStatusError("CANCELLED", "channel is closed"));
    let session: http2.ClientHttp2Session;
    try {
      session = this.connect();
    } catch (err) {
      return Promise.reject(new GrpcStatusError("UNAVAILABLE", (err as Error).message, { cause: err }));
    }
    const frame = Buffer.allocUnsafe(5 + message.length);
    frame[0] = 0;
    frame.writeUInt32BE(message.length, 1);
    frame.set(message, 5);

    return new Promise<Buffer>((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      let settled = false;
      const chunks: Buffer[] = [];
      let received = 0;
      let httpStatus = 0;
      let headerStatus: { code?: unknown; message?: unknown } = {};

      const finish = (err: GrpcStatusError | undefined, value?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight--;
        this.setRef();
        if (err) {
          if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
          reject(err);
        } else resolve(value!);
      };
      const timer = setTimeout(() => finish(new GrpcStatusError("DEADLINE_EXCEEDED", `no answer within ${timeoutMs} ms`)), timeoutMs);

      this.inFlight++;
      try {
        stream = session.request({
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-timeout": grpcTimeout(timeoutMs),
        });
      } catch (err) {
        this.inFlight--;
        clearTimeout(timer);
        if (this.session === session) this.session = undefined;
        reject(new GrpcStatusError("UNAVAILABLE", (err as Error).message, { cause: err }));
        return;
      }
      this.setRef();

      stream.on("response", (headers) => {
        httpStatus = Number(headers[":status"] ?? 0);
        headerStatus = { code: headers["grpc-status"], message: headers["grpc-message"] };
      });
      stream.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.maxReceiveBytes + 5) {
          finish(new GrpcStatusError("RESOURCE_EXHAUSTED", `reply larger than ${this.maxReceiveBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      let trailers: { code?: unknown; message?: unknown } | undefined;
      stream.on("trailers", (t) => {
        trailers = { code: t["grpc-status"], message: t["grpc-message"] };
      });
      stream.on("error", (err: Error) => {
        finish(new GrpcStatusError("UNAVAILABLE", err.message, { cause: err }));
      });
      stream.on("close", () => {
        if (settled) return;
        const st = trailers?.code !== undefined ? trailers : headerStatus;
        if (st.code === undefined) {
          if (httpStatus !== 0 && httpStatus !== 200) {
            finish(new GrpcStatusError(codeForHttpStatus(httpStatus), `HTTP status ${httpStatus}`));
          } else {
            finish(new GrpcStatusError("UNAVAILABLE", httpStatus === 0 ? "connection closed before an answer" : "stream ended without a gRPC status"));
          }
          return;
        }
        const code = GRPC_CODES[Number(st.code)] ?? "UNKNOWN";
        if (code !== "OK") {
          finish(new GrpcStatusError(code, decodeGrpcMessage(st.message)));
          return;
        }
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (body.length < 5) {
          finish(new GrpcStatusError("INTERNAL", "OK status without a reply message"));
          return;
        }
        if (body[0] !== 0) {
          finish(new GrpcStatusError("INTERNAL", "compressed reply, but no compression was offered"));
          return;
        }
        const len = body.readUInt32BE(1);
        if (body.length < 5 + len) {
          finish(new GrpcStatusError("INTERNAL", "reply message cut short"));
          return;
        }
        finish(undefined, body.subarray(5, 5 + len));
      });
      stream.end(frame);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    if (s && !s.destroyed) s.close();
  }
}

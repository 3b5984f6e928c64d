/**
 * A failed CRI call: the gRPC status turned into a value callers branch on
 * (`err.code === "NOT_FOUND"` means the sandbox or container is already gone).
 */
import { GRPC_CODES, GrpcStatusError, type GrpcCode } from "./grpc-channel.ts";

/** gRPC status code names (`NOT_FOUND`, `UNAVAILABLE`, …). */
export type CriErrorCode = GrpcCode;

export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: CriErrorCode,
    /** The runtime's own message (gRPC status details). */
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(`CRI ${method}: ${code}: ${details}`, options);
    this.name = "CriError";
  }

  static from(method: string, err: unknown): CriError {
    if (err instanceof CriError) return err;
    if (err instanceof GrpcStatusError) return new CriError(method, err.code, err.details, { cause: err });
    // A status given by number, as gRPC servers and their tests hand it over.
    const e = err as { code?: unknown; details?: unknown } | undefined;
    const code = typeof e?.code === "number" && GRPC_CODES[e.code] !== undefined ? GRPC_CODES[e.code]! : "UNKNOWN";
    const details = (typeof e?.details === "string" && e.details) || (err instanceof Error ? err.message : String(err));
    return new CriError(method, code, details, { cause: err });
  }
}

/** True when `err` is a CriError, and (if given) one with that code. */
export function isCriError(err: unknown, code?: CriErrorCode): err is CriError {
  return err instanceof CriError && (code === undefined || err.code === code);
}

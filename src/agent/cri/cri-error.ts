/**
 * A failed CRI call: the gRPC status turned into a value callers branch on
 * (`err.code === "NOT_FOUND"` means the sandbox or container is already gone).
 */
import { status, type ServiceError } from "@grpc/grpc-js";

/** gRPC status code names, as grpc-js's `status` enum spells them. */
export type CriErrorCode = keyof typeof status;

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
    const e = err as Partial<ServiceError>;
    const code = typeof e?.code === "number" && status[e.code] !== undefined ? (status[e.code] as CriErrorCode) : "UNKNOWN";
    const details = e?.details || (err instanceof Error ? err.message : String(err));
    return new CriError(method, code, details, { cause: err });
  }
}

/** True when `err` is a CriError, and (if given) one with that code. */
export function isCriError(err: unknown, code?: CriErrorCode): err is CriError {
  return err instanceof CriError && (code === undefined || err.code === code);
}

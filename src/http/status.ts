/** Responses in the API's own form: JSON bodies, and any thrown value as a Kubernetes Status. */
import { StatusError, errors } from "../model/errors.ts";

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** Renders any thrown value as a Kubernetes Status; unknown errors become 500 without leaking internals. */
export function statusResponse(e: unknown): Response {
  const err = e instanceof StatusError ? e : errors.internal("unexpected error");
  if (!(e instanceof StatusError)) console.error(JSON.stringify({ level: "error", msg: "request failed", error: String((e as any)?.stack ?? e), cause: causeOf(e) }));
  // As the apiserver's ErrorNegotiated: a suggested delay travels as Retry-After too (client-go honours it).
  const retry = err.details?.retryAfterSeconds;
  return json(err.toStatus(), err.code, retry && retry > 0 ? { "retry-after": String(retry) } : {});
}

/** What an error was caused by, down the chain ("opening x: EACCES: permission denied"). */
function causeOf(e: unknown): string | undefined {
  const parts: string[] = [];
  for (let c = (e as { cause?: unknown } | null)?.cause; c !== undefined && c !== null && parts.length < 5; c = (c as { cause?: unknown }).cause) {
    parts.push(c instanceof Error ? c.message : String(c));
    if (typeof c !== "object") break;
  }
  return parts.length ? parts.join(": ") : undefined;
}

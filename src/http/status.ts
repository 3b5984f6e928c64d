/** Responses in the API's own form: JSON bodies, and any thrown value as a Kubernetes Status. */
import { StatusError, errors } from "../model/errors.ts";

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** Renders any thrown value as a Kubernetes Status; unknown errors become 500 without leaking internals. */
export function statusResponse(e: unknown): Response {
  const err = e instanceof StatusError ? e : errors.internal("unexpected error");
  if (!(e instanceof StatusError)) console.error(JSON.stringify({ level: "error", msg: "request failed", error: String((e as any)?.stack ?? e) }));
  // As the apiserver's ErrorNegotiated: a suggested delay travels as Retry-After too (client-go honours it).
  const retry = err.details?.retryAfterSeconds;
  return json(err.toStatus(), err.code, retry && retry > 0 ? { "retry-after": String(retry) } : {});
}

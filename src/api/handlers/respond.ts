/** Response helpers: JSON bodies, Status errors, warnings. */
import { json, statusResponse } from "../../http/status.ts";
import type { ServedObject } from "../storage/served-object.ts";

export { json, statusResponse };

/** An object read or written, as JSON: the store's text as it is when the item carries it. */
export function servedResponse(item: ServedObject, status = 200, headers: Record<string, string> = {}): Response {
  if (item.json === undefined) return json(item.object, status, headers);
  return new Response(item.json, { status, headers: { "content-type": "application/json", ...headers } });
}

/** `Warning: 299 - "..."` headers, as the apiserver sends for unknown fields with fieldValidation=Warn. */
export function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") };
}

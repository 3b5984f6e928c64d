/** Response helpers: JSON bodies, Status errors, warnings. */
import { json, statusResponse } from "../../http/status.ts";

export { json, statusResponse };

/** `Warning: 299 - "..."` headers, as the apiserver sends for unknown fields with fieldValidation=Warn. */
export function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") };
}

/**
 * The request-target of an HTTP request line, checked before it becomes a `Request`.
 *
 * The `Host` header never routes: a Request's URL is a fixed origin plus the request-target,
 * so a hostile Host (`a b`, `[`, `a:b:c`) can neither throw while the URL is built nor change
 * the path that is served. The target itself is refused (400) when WHATWG URL parsing would
 * change what it names: dot segments (`..`, `%2e%2e`, `.%2E` — the parser resolves them, so
 * `…/configmaps/%2e%2e` would address the Namespace), backslashes (a path separator for https
 * URLs), fragments, bytes outside printable ASCII (tabs and newlines are silently dropped by
 * the parser), and percent-escapes that do not decode (the router would throw on them later).
 * Go's server likewise takes only origin-form targets for anything but CONNECT/OPTIONS `*`.
 *
 * @example
 *   const bad = requestTargetError(incoming.url);
 *   if (bad) return statusResponse(bad);
 *   new Request(requestUrl(incoming.url!), …);
 */
import { errors, type StatusError } from "../model/errors.ts";

/** Every Request the transport builds has this origin; only its path and query carry meaning. */
export const REQUEST_ORIGIN = "https://apiserver.k3rs.invalid";

export function requestUrl(target: string): string {
  return REQUEST_ORIGIN + target;
}

/** undefined when `target` is a usable origin-form request-target; otherwise the 400 to answer. */
export function requestTargetError(target: string | undefined): StatusError | undefined {
  const t = target ?? "";
  const bad = (why: string) => errors.badRequest(`invalid request path ${JSON.stringify(t.slice(0, 256))}: ${why}`);
  if (!t.startsWith("/")) return bad("it must start with /");
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return bad("it may hold only printable ASCII characters");
    if (c === 0x23 /* # */) return bad("a fragment is not allowed");
    if (c === 0x25 /* % */ && !(isHex(t.charCodeAt(i + 1)) && isHex(t.charCodeAt(i + 2)))) return bad("invalid percent-encoding");
  }
  const q = t.indexOf("?");
  const path = q < 0 ? t : t.slice(0, q);
  if (path.includes("\\")) return bad("a backslash is not allowed");
  for (const segment of path.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return bad("invalid percent-encoding");
    }
    if (decoded === "." || decoded === "..") return bad("dot segments are not allowed");
  }
  if (q >= 0) {
    try {
      decodeURIComponent(t.slice(q + 1).replaceAll("+", " "));
    } catch {
      return bad("invalid percent-encoding in the query");
    }
  }
  return undefined;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

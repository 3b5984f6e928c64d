/**
 * Parses a Kubernetes REST path into its parts. Handles both trees:
 *   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 * `/api/v1/namespaces/{name}[/{sub}]` is the Namespace object itself.
 * Legacy `/watch/` prefixed paths (`/api/v1/watch/pods`) set `watch`.
 * `…/{name}/proxy/{path…}` (nodes/proxy) keeps what follows `proxy` in `proxyPath`.
 */
import { StatusError } from "../model/errors.ts";

export interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** `/metrics` of `/api/v1/nodes/n1/proxy/metrics`, its segments still percent-encoded. */
  proxyPath?: string;
  /** Came in through the deprecated /watch/ path. */
  watchPath: boolean;
}

/** Throws a 400 StatusError when a segment is not valid percent-encoding (Go's net/http refuses such a URL with 400). */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const raw = pathname.split("/").filter((p) => p !== "");
  const parts = raw.map(decodeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let watchPath = false;
  if (rest[0] === "watch") {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // "namespaces/{ns}/{resource}..." addresses a namespaced resource; "namespaces[/{name}[/{sub}]]"
  // with at most 3 segments addresses the Namespace object.
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && isNamespaceSubresource(rest[2]!))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3 && rest[2] === "proxy") {
    // Passed on as it came (re-encoding what was decoded could change it); an empty trailing segment is kept.
    const proxyPath = `/${raw.slice(raw.length - (rest.length - 3)).join("/")}${pathname.endsWith("/") ? "/" : ""}`;
    return { group, version, namespace, resource: rest[0]!, name: rest[1], subresource: "proxy", proxyPath, watchPath };
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  return { group, version, namespace, resource: rest[0]!, name: rest[1], subresource: rest[2], watchPath };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new StatusError(400, "BadRequest", `invalid URL escape in path segment ${JSON.stringify(segment)}`, undefined, { cause });
  }
}

function isNamespaceSubresource(s: string): boolean {
  return s === "status" || s === "finalize";
}

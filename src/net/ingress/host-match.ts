/**
 * Kubernetes' Ingress host matching: a precise host matches the request's host exactly; a
 * wildcard `*.example.com` matches exactly one more label (`foo.example.com`, not
 * `example.com` nor `a.b.example.com`). Host names compare case-insensitively and without the
 * port of the Host header.
 */

/** The host part of a Host header, lower-cased: `Foo.COM:8080` → `foo.com`, `[::1]:80` → `::1`. */
export function requestHost(hostHeader: string | null | undefined): string {
  if (!hostHeader) return "";
  let h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end > 0 ? h.slice(1, end) : h;
  }
  const colon = h.indexOf(":");
  if (colon >= 0) h = h.slice(0, colon);
  // A fully qualified name with its root dot names the same host.
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** The wildcard a host would match: `foo.example.com` → `*.example.com`; none for a single label. */
export function wildcardOf(host: string): string | undefined {
  const dot = host.indexOf(".");
  return dot > 0 ? `*${host.slice(dot)}` : undefined;
}

export function isWildcard(host: string): boolean {
  return host.startsWith("*.");
}

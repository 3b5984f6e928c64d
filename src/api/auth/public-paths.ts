/**
 * Paths anyone may ask without credentials, as the apiserver's anonymous access allows health
 * and version. `/cacerts` and `/v1-k3rs/join` are how an agent without credentials gets them
 * (the join token is checked there).
 */
const PUBLIC_PATHS = new Set(["/version", "/version/", "/healthz", "/livez", "/readyz", "/cacerts", "/v1-k3rs/join"]);

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.has(path);
}

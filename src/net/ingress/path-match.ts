/**
 * Kubernetes' Ingress path matching (networking.k8s.io/v1 HTTPIngressPath):
 * - `Exact`: the request path equals the path, case-sensitively (`/foo` does not match `/foo/`);
 * - `Prefix`: element-wise on `/`-separated elements — `/foo/bar` matches `/foo/bar`,
 *   `/foo/bar/` and `/foo/bar/baz` but not `/foo/barbaz`; a trailing slash on either side is
 *   ignored, and `/` matches everything;
 * - `ImplementationSpecific`: k3rs treats it as `Prefix` (what ingress-nginx does for paths
 *   without regex annotations).
 * The longest path wins; at equal length `Exact` beats `Prefix`.
 */

export type PathType = "Exact" | "Prefix";

export interface PathRule {
  type: PathType;
  path: string;
  /** `Prefix`: the path's elements, empty ones dropped */
  elements: string[];
  /** the length precedence compares: the path without its trailing slash for Prefix */
  weight: number;
}

export function pathRule(pathType: unknown, path: unknown): PathRule {
  const p = typeof path === "string" && path !== "" ? path : "/";
  const type: PathType = pathType === "Exact" ? "Exact" : "Prefix";
  const elements = splitElements(p);
  return { type, path: p, elements, weight: type === "Exact" ? p.length : p.replace(/\/+$/, "").length };
}

export function splitElements(path: string): string[] {
  return path.split("/").filter((e) => e !== "");
}

/** `reqElements` is `splitElements(requestPath)`, split once per request. */
export function pathMatches(rule: PathRule, requestPath: string, reqElements: readonly string[]): boolean {
  if (rule.type === "Exact") return requestPath === rule.path;
  if (rule.elements.length > reqElements.length) return false;
  for (let i = 0; i < rule.elements.length; i++) if (rule.elements[i] !== reqElements[i]) return false;
  return true;
}

/** Sort order: longest first, Exact before Prefix at equal length. */
export function comparePathRules(a: PathRule, b: PathRule): number {
  if (a.weight !== b.weight) return b.weight - a.weight;
  if (a.type !== b.type) return a.type === "Exact" ? -1 : 1;
  return 0;
}

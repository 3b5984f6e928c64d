/**
 * The routes of every Ingress k3rs serves, indexed by host. An Ingress event recompiles that
 * Ingress alone and re-sorts only the hosts it touches, so a change is live for the next
 * request without rebuilding the table.
 *
 * Matching, as ingress-nginx (the Kubernetes project's own controller) does it:
 * 1. the host picks one rule set — the exact host if any Ingress names it, else its one-label
 *    wildcard (`*.example.com`), else the rules without a host;
 * 2. within it the longest matching path wins, `Exact` before `Prefix` at equal length, the
 *    oldest Ingress on a tie;
 * 3. nothing matched: the defaultBackend of the oldest Ingress that has one, else 404.
 * Rules of one host are merged across Ingresses (and namespaces), as every controller does.
 */
import type { KubeObject } from "../../model/object.ts";
import { objectKey } from "../../model/object.ts";
import { backendRef } from "./backend-ref.ts";
import { requestHost, wildcardOf } from "./host-match.ts";
import { comparePathRules, pathMatches, pathRule, splitElements } from "./path-match.ts";
import type { Route, RouteMatch } from "./types.ts";

interface Compiled {
  hosts: Set<string>;
  routes: Route[];
  defaultRoute?: Route;
}

export class RouteTable {
  private readonly byIngress = new Map<string, Compiled>();
  /** host ("" for rules without one) → its routes, in match order */
  private readonly byHost = new Map<string, Route[]>();
  private defaults: Route[] = [];

  get size(): number {
    return this.byIngress.size;
  }

  /** Adds or replaces the Ingress's routes. */
  upsert(ing: KubeObject): void {
    const key = objectKey(ing.metadata.namespace, ing.metadata.name ?? "");
    const old = this.byIngress.get(key);
    const next = compile(ing, key);
    this.byIngress.set(key, next);
    this.reindex(key, old, next);
  }

  delete(key: string): void {
    const old = this.byIngress.get(key);
    if (!old) return;
    this.byIngress.delete(key);
    this.reindex(key, old, undefined);
  }

  has(key: string): boolean {
    return this.byIngress.has(key);
  }

  /** `hostHeader` as received (port and case are dropped); `path` is the URL's pathname. */
  match(hostHeader: string | null | undefined, path: string): RouteMatch | undefined {
    const host = requestHost(hostHeader);
    const wc = wildcardOf(host);
    const routes = this.byHost.get(host) ?? (wc !== undefined ? this.byHost.get(wc) : undefined) ?? this.byHost.get("");
    if (routes) {
      const elements = splitElements(path);
      for (const r of routes) if (pathMatches(r.rule, path, elements)) return { route: r, isDefault: false };
    }
    const d = this.defaults[0];
    return d ? { route: d, isDefault: true } : undefined;
  }

  /** Every backend Service key the table refers to, for tests and status. */
  routesOf(key: string): Route[] {
    return this.byIngress.get(key)?.routes ?? [];
  }

  private reindex(key: string, old: Compiled | undefined, next: Compiled | undefined): void {
    const touched = new Set<string>([...(old?.hosts ?? []), ...(next?.hosts ?? [])]);
    for (const host of touched) {
      const kept = (this.byHost.get(host) ?? []).filter((r) => r.ingress !== key);
      if (next) for (const r of next.routes) if (r.host === host) kept.push(r);
      if (kept.length === 0) this.byHost.delete(host);
      else this.byHost.set(host, kept.sort(compareRoutes));
    }
    if (old?.defaultRoute || next?.defaultRoute) {
      this.defaults = this.defaults.filter((r) => r.ingress !== key);
      if (next?.defaultRoute) this.defaults.push(next.defaultRoute);
      this.defaults.sort(byAge);
    }
  }
}

function compareRoutes(a: Route, b: Route): number {
  return comparePathRules(a.rule, b.rule) || byAge(a, b);
}

function byAge(a: Route, b: Route): number {
  return a.created < b.created ? -1 : a.created > b.created ? 1 : a.ingress < b.ingress ? -1 : a.ingress > b.ingress ? 1 : 0;
}

function compile(ing: KubeObject, key: string): Compiled {
  const ns = ing.metadata.namespace ?? "default";
  const created = String(ing.metadata.creationTimestamp ?? "");
  const spec = ing.spec ?? {};
  const out: Compiled = { hosts: new Set(), routes: [] };
  // Read defensively: validation keeps most malformed Ingresses out, but one that slipped in
  // (stored by an older version) must not stop the node's routing.
  for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
    const host = typeof rule?.host === "string" ? rule.host.toLowerCase() : "";
    const paths = Array.isArray(rule?.http?.paths) ? rule.http.paths : [];
    for (const p of paths) {
      out.hosts.add(host);
      out.routes.push({ ingress: key, host, rule: pathRule(p?.pathType, p?.path), backend: backendRef(ns, p?.backend), created });
    }
  }
  if (spec.defaultBackend) out.defaultRoute = { ingress: key, host: "", rule: pathRule("Prefix", "/"), backend: backendRef(ns, spec.defaultBackend), created };
  return out;
}

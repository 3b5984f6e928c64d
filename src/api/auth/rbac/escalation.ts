/**
 * "You cannot grant what you do not hold" (kubernetes `pkg/registry/rbac/validation`
 * `ConfirmNoEscalation` and `Covers`): each rule asked for is broken into single permissions
 * (one verb on one group's resource, by one name or all; or one verb on one URL), and every
 * one of them must be allowed by a rule the user already holds. What is not is told back as
 * the apiserver tells it: compacted, one rule a line.
 */
import type { UserInfo } from "../types.ts";
import type { PolicyRule } from "./types.ts";

interface Simple {
  verb: string;
  group?: string;
  resource?: string;
  name?: string;
  url?: string;
}

function breakdown(rule: PolicyRule): Simple[] {
  const out: Simple[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verb, url });
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
        for (const name of names) out.push({ verb, group, resource, name });
      }
    }
  }
  return out;
}

function covers(owner: PolicyRule, s: Simple): boolean {
  if (!(owner.verbs ?? []).some((v) => v === "*" || v === s.verb)) return false;
  if (s.url !== undefined) {
    return (owner.nonResourceURLs ?? []).some((u) => u === "*" || u === s.url || (u.endsWith("*") && s.url!.startsWith(u.slice(0, -1))));
  }
  if (!(owner.apiGroups ?? []).some((g) => g === "*" || g === s.group)) return false;
  const sub = s.resource!.includes("/") ? s.resource!.slice(s.resource!.indexOf("/") + 1) : "";
  if (!(owner.resources ?? []).some((r) => r === "*" || r === s.resource || (sub !== "" && r === `*/${sub}`))) return false;
  const names = owner.resourceNames ?? [];
  return names.length === 0 || (s.name !== undefined && names.includes(s.name));
}

/** The requested permissions no owner rule covers, compacted back into rules (empty: nothing escalates). */
export function uncoveredRules(owner: PolicyRule[], requested: PolicyRule[]): PolicyRule[] {
  const missing = requested.flatMap(breakdown).filter((s) => !owner.some((o) => covers(o, s)));
  const byTarget = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const s of missing) {
    if (s.url !== undefined) {
      out.push({ verbs: [s.verb], nonResourceURLs: [s.url] });
      continue;
    }
    const key = JSON.stringify([s.group, s.resource, s.name]);
    const found = byTarget.get(key);
    if (found) {
      if (!found.verbs.includes(s.verb)) found.verbs.push(s.verb);
      continue;
    }
    const rule: PolicyRule = { verbs: [s.verb], apiGroups: [s.group!], resources: [s.resource!], ...(s.name !== undefined ? { resourceNames: [s.name] } : {}) };
    byTarget.set(key, rule);
    out.push(rule);
  }
  return out;
}

/** Go's `%q` of a []string: `["a" "b"]`. */
const q = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(" ")}]`;

/** rbacv1helpers.CompactString: `{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}

export function escalationMessage(user: UserInfo, missing: PolicyRule[]): string {
  const lines = missing.map(compactString).sort();
  return `user ${JSON.stringify(user.user)} (groups=${q(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join("\n")}`;
}

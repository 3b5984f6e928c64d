/**
 * Does one PolicyRule allow one request — the rules of Kubernetes' `rbac/v1` helpers
 * (`VerbMatches`, `APIGroupMatches`, `ResourceMatches`, `ResourceNameMatches`,
 * `NonResourceURLMatches`): `*` matches everything in its field, `*​/scale` any resource's
 * scale subresource, a non-resource URL ending in `*` is a prefix, and an empty
 * resourceNames list means every name.
 */
import type { AuthorizationRequest } from "../types.ts";
import type { PolicyRule } from "./types.ts";

const ALL = "*";

export function ruleAllows(req: Omit<AuthorizationRequest, "user">, rule: PolicyRule): boolean {
  if (!verbMatches(rule, req.verb)) return false;
  if (!req.resourceRequest) return nonResourceUrlMatches(rule, req.path);
  return apiGroupMatches(rule, req.group)
    && resourceMatches(rule, req.subresource ? `${req.resource}/${req.subresource}` : req.resource, req.subresource ?? "")
    && resourceNameMatches(rule, req.name ?? "");
}

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some((r) =>
    r === ALL || r === combined || (subresource !== "" && r === `*/${subresource}`));
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

export function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) =>
    u === ALL || u === path || (u.endsWith(ALL) && path.startsWith(u.slice(0, -1))));
}

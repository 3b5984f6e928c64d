/**
 * An audit.k8s.io/v1 Policy: the first rule matching a request gives its level; no match is
 * None. A rule's `omitStages` add to the policy's; its `omitManagedFields`, when set,
 * overrides the policy's. Without a policy file every request is logged at Metadata (the
 * apiserver would log none: asking for a log path is taken as asking for a log).
 *
 * Matching, as the apiserver's policy checker: `users` by name, `userGroups` by any group,
 * `verbs` exactly; a resource request needs `resources` (group; resources as `pods`,
 * `pods/log`, `*`, a subresource of any resource as star-slash-`scale`, a resource and all its
 * subresources as `pods/` star; resourceNames) and `namespaces` (`""` matches a
 * cluster-scoped object) to match when given, and is never matched by a rule with
 * `nonResourceURLs`; a plain path needs `nonResourceURLs` (`/healthz*` a prefix) and no
 * `resources`/`namespaces`.
 */
import { parse } from "yaml";
import type { AuthorizationRequest } from "../auth/types.ts";

export type AuditLevel = "None" | "Metadata" | "Request" | "RequestResponse";
const LEVELS: AuditLevel[] = ["None", "Metadata", "Request", "RequestResponse"];

interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export type AuditStage = "RequestReceived" | "ResponseStarted" | "ResponseComplete" | "Panic";
const STAGES: AuditStage[] = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"];

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** What the policy says of one request. */
export interface AuditDecision {
  level: AuditLevel;
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

export const LOG_EVERYTHING: AuditPolicy = { rules: [{ level: "Metadata" }] };

/** Throws with the file's fault named. */
export function parseAuditPolicy(text: string): AuditPolicy {
  const doc = parse(text);
  if (!doc || typeof doc !== "object" || doc.kind !== "Policy" || !/^audit\.k8s\.io\/v1/.test(String(doc.apiVersion))) {
    throw new Error("an audit policy is a Policy of audit.k8s.io/v1");
  }
  const rules = Array.isArray(doc.rules) ? doc.rules : [];
  const stages = (v: unknown, where: string): AuditStage[] | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw new Error(`${where}: want a list of stages`);
    for (const st of v) if (!STAGES.includes(st)) throw new Error(`${where}: ${JSON.stringify(st)} is not one of ${STAGES.join(", ")}`);
    return v;
  };
  rules.forEach((r: any, i: number) => {
    if (!LEVELS.includes(r?.level)) throw new Error(`rules[${i}].level: ${JSON.stringify(r?.level)} is not one of ${LEVELS.join(", ")}`);
    stages(r.omitStages, `rules[${i}].omitStages`);
    if (r.nonResourceURLs?.length && (r.resources?.length || r.namespaces?.length)) {
      throw new Error(`rules[${i}]: nonResourceURLs cannot be combined with resources or namespaces`);
    }
  });
  return { rules, omitStages: stages(doc.omitStages, "omitStages"), omitManagedFields: doc.omitManagedFields === true };
}

/** The level and what to leave out for one request (None when no rule matches). */
export function decide(policy: AuditPolicy, a: AuthorizationRequest): AuditDecision {
  const rule = matchingRule(policy, a);
  return {
    level: rule?.level ?? "None",
    omitStages: [...new Set([...(policy.omitStages ?? []), ...(rule?.omitStages ?? [])])],
    omitManagedFields: rule?.omitManagedFields ?? policy.omitManagedFields ?? false,
  };
}

function wildcard(patterns: string[] | undefined, value: string, prefixStar = false): boolean {
  if (!patterns?.length) return true;
  return patterns.some((p) => p === value || p === "*" || (prefixStar && p.endsWith("*") && value.startsWith(p.slice(0, -1))));
}

export function levelFor(policy: AuditPolicy, a: AuthorizationRequest): AuditLevel {
  return matchingRule(policy, a)?.level ?? "None";
}

function matchingRule(policy: AuditPolicy, a: AuthorizationRequest): PolicyRule | undefined {
  for (const r of policy.rules) {
    if (r.users?.length && !r.users.includes(a.user.user)) continue;
    if (r.userGroups?.length && !r.userGroups.some((g) => a.user.groups.includes(g))) continue;
    if (!wildcard(r.verbs, a.verb)) continue;
    if (a.resourceRequest) {
      if (r.nonResourceURLs?.length) continue;
      if (r.namespaces?.length && !r.namespaces.includes(a.namespace ?? "")) continue;
      if (r.resources?.length) {
        const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
        const hit = r.resources.some((gr) => (gr.group ?? "") === a.group && resourceMatches(gr.resources, a.resource, a.subresource) && namesMatch(gr.resourceNames, a.name));
        if (!hit) continue;
      }
    } else {
      if (r.resources?.length || r.namespaces?.length) continue;
      if (!wildcard(r.nonResourceURLs, a.path, true)) continue;
    }
    return r;
  }
  return undefined;
}

// `pods`, `pods/log`, `*`, `*/scale` (any resource's scale) and `pods/*` (pods and its subresources).
function resourceMatches(patterns: string[] | undefined, resource: string, subresource: string | undefined): boolean {
  if (!patterns?.length) return true;
  const full = subresource ? `${resource}/${subresource}` : resource;
  return patterns.some((p) => p === "*" || p === full || (subresource !== undefined && p === `*/${subresource}`) || p === `${resource}/*`);
}

/** resourceNames never match a request without a name (a list, a create). */
function namesMatch(names: string[] | undefined, name: string | undefined): boolean {
  if (!names?.length) return true;
  return name !== undefined && names.includes(name);
}

/**
 * An audit.k8s.io/v1 Policy: the first rule matching a request gives its level; no match is
 * None. Levels Request and RequestResponse are recorded as Metadata (bodies are not logged).
 * Without a policy file every request is logged at Metadata (the apiserver would log none:
 * asking for a log path is taken as asking for a log).
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
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages?: string[];
}

export const LOG_EVERYTHING: AuditPolicy = { rules: [{ level: "Metadata" }] };

/** Throws with the file's fault named. */
export function parseAuditPolicy(text: string): AuditPolicy {
  const doc = parse(text);
  if (!doc || typeof doc !== "object" || doc.kind !== "Policy" || !/^audit\.k8s\.io\/v1/.test(String(doc.apiVersion))) {
    throw new Error("an audit policy is a Policy of audit.k8s.io/v1");
  }
  const rules = Array.isArray(doc.rules) ? doc.rules : [];
  rules.forEach((r: any, i: number) => {
    if (!LEVELS.includes(r?.level)) throw new Error(`rules[${i}].level: ${JSON.stringify(r?.level)} is not one of ${LEVELS.join(", ")}`);
  });
  return { rules, omitStages: doc.omitStages };
}

function wildcard(patterns: string[] | undefined, value: string, prefixStar = false): boolean {
  if (!patterns?.length) return true;
  return patterns.some((p) => p === value || p === "*" || (prefixStar && p.endsWith("*") && value.startsWith(p.slice(0, -1))));
}

export function levelFor(policy: AuditPolicy, a: AuthorizationRequest): AuditLevel {
  for (const r of policy.rules) {
    if (r.users?.length && !r.users.includes(a.user.user)) continue;
    if (r.userGroups?.length && !r.userGroups.some((g) => a.user.groups.includes(g))) continue;
    if (!wildcard(r.verbs, a.verb)) continue;
    if (a.resourceRequest) {
      if (r.nonResourceURLs?.length) continue;
      if (r.namespaces?.length && !r.namespaces.includes(a.namespace ?? "")) continue;
      if (r.resources?.length) {
        const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
        const hit = r.resources.some((gr) => (gr.group ?? "") === a.group && wildcard(gr.resources, resource) && wildcard(gr.resourceNames, a.name ?? ""));
        if (!hit) continue;
      }
    } else {
      if (r.resources?.length || r.namespaces?.length) continue;
      if (!wildcard(r.nonResourceURLs, a.path, true)) continue;
    }
    return r.level;
  }
  return "None";
}

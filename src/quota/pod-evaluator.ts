/**
 * Quota for pods (kubernetes pkg/quota/v1/evaluator/core/pods.go): `pods` counts live pods,
 * `count/pods` every stored one; compute resources come from the pod's effective requests
 * and limits (`cpu`/`memory` mean requests); scopes select pods by deadline, QoS, priority
 * class and cross-namespace affinity.
 */
import type { KubeObject } from "../model/object.ts";
import { Quantity } from "../model/quantity.ts";
import { ONE, objectCountName } from "./object-count.ts";
import { parseResourceList, type ResourceList } from "./resource-list.ts";
import { podLimits, podRequests } from "./pod-resources.ts";
import type { ScopeRequirement, UsageEvaluator } from "./types.ts";

const COUNT = objectCountName("", "pods");

const POD_RESOURCES = new Set([
  COUNT, "pods",
  "cpu", "memory", "ephemeral-storage",
  "requests.cpu", "requests.memory", "requests.ephemeral-storage",
  "limits.cpu", "limits.memory", "limits.ephemeral-storage",
]);

/**
 * Kubernetes calls this requirement a mistake it keeps for compatibility: a quota on any of
 * these makes every container state the matching request or limit. Nothing else is required.
 */
const MUST_SPECIFY = new Set(["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]);

/** Native names have no domain, or a kubernetes.io one (helper.IsNativeResource). */
function isNative(name: string): boolean {
  return !name.includes("/") || name.includes("kubernetes.io/");
}

/** `requests.example.com/gpu`: the only form quota accepts for extended resources. */
function isExtendedQuotaName(name: string): boolean {
  return !isNative(name) && name.startsWith("requests.");
}

/** What quota charges for the given requests and limits (podComputeUsageHelper). */
export function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([["pods", ONE]]);
  for (const r of ["cpu", "memory", "ephemeral-storage"]) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [name, q] of requests) {
    if (name.startsWith("hugepages-")) {
      out.set(name, q);
      out.set(`requests.${name}`, q);
    } else if (!isNative(name) && !name.startsWith("requests.")) {
      out.set(`requests.${name}`, q);
    }
  }
  return out;
}

/**
 * Whether a pod is charged for compute (QuotaV1Pod): not once it ended, nor once it is stuck
 * terminating past its grace period — a lost node must not keep its pods' quota forever.
 */
export function chargedForCompute(pod: KubeObject, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  const m = pod.metadata;
  if (m.deletionTimestamp && m.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds !== null) {
    const end = Date.parse(m.deletionTimestamp) + Number(m.deletionGracePeriodSeconds) * 1000;
    if (now.getTime() > end) return false;
  }
  return true;
}

/** Compute usage and requirement checks happen per container too; containers missing from a spec are ignored. */
function containersOf(pod: KubeObject): any[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].filter((c) => c && typeof c === "object");
}

/** BestEffort QoS: no container requests or limits any cpu or memory above zero. */
function isBestEffort(pod: KubeObject): boolean {
  for (const c of containersOf(pod)) {
    for (const side of [c.resources?.requests, c.resources?.limits]) {
      const list = parseResourceList(side);
      for (const r of ["cpu", "memory"]) if ((list.get(r)?.cmp(Quantity.zero()) ?? 0) > 0) return false;
    }
  }
  return true;
}

function crossNamespaceTerms(terms: unknown, weighted: boolean): boolean {
  if (!Array.isArray(terms)) return false;
  return terms.some((t) => {
    const term = weighted ? t?.podAffinityTerm : t;
    return (term?.namespaces?.length ?? 0) > 0 || (term?.namespaceSelector !== undefined && term?.namespaceSelector !== null);
  });
}

function usesCrossNamespaceAffinity(pod: KubeObject): boolean {
  const a = pod.spec?.affinity;
  for (const x of [a?.podAffinity, a?.podAntiAffinity]) {
    if (!x) continue;
    if (crossNamespaceTerms(x.requiredDuringSchedulingIgnoredDuringExecution, false)) return true;
    if (crossNamespaceTerms(x.preferredDuringSchedulingIgnoredDuringExecution, true)) return true;
  }
  return false;
}

/** The PriorityClass scope is a label selector over the one "label" `PriorityClass=<class>`. */
function matchesPriorityClass(scope: ScopeRequirement, pod: KubeObject): boolean {
  const cls: string = pod.spec?.priorityClassName ?? "";
  const has = cls !== "";
  const values = scope.values ?? [];
  switch (scope.operator) {
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "In":
      return has && values.includes(cls);
    case "NotIn":
      return !has || !values.includes(cls);
    default:
      return false;
  }
}

export class PodEvaluator implements UsageEvaluator {
  readonly group = "";
  readonly plural = "pods";

  matchingResources(names: Iterable<string>): string[] {
    return [...names].filter((n) => POD_RESOURCES.has(n) || n.startsWith("hugepages-") || n.startsWith("requests.hugepages-") || isExtendedQuotaName(n));
  }

  usage(pod: KubeObject, now: Date): ResourceList {
    const out: ResourceList = new Map([[COUNT, ONE]]);
    if (!chargedForCompute(pod, now)) return out;
    for (const [name, q] of computeUsage(podRequests(pod), podLimits(pod))) out.set(name, q);
    return out;
  }

  constraints(required: string[], pod: KubeObject): string | undefined {
    const needed = required.filter((r) => MUST_SPECIFY.has(r));
    if (needed.length === 0) return undefined;
    const missing = new Map<string, Set<string>>();
    for (const c of containersOf(pod)) {
      const has = computeUsage(parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits));
      for (const r of needed) {
        if (has.has(r)) continue;
        (missing.get(r) ?? missing.set(r, new Set()).get(r)!).add(String(c.name ?? ""));
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(",")}`);
    return `must specify ${parts.join("; ")}`;
  }

  matchesScope(scope: ScopeRequirement, pod: KubeObject): boolean {
    const deadline = pod.spec?.activeDeadlineSeconds;
    const terminating = typeof deadline === "number" && deadline >= 0;
    switch (scope.scopeName) {
      case "Terminating":
        return terminating;
      case "NotTerminating":
        return !terminating;
      case "BestEffort":
        return isBestEffort(pod);
      case "NotBestEffort":
        return !isBestEffort(pod);
      case "PriorityClass":
        return matchesPriorityClass(scope, pod);
      case "CrossNamespacePodAffinity":
        return usesCrossNamespaceAffinity(pod);
      default:
        return false;
    }
  }
}

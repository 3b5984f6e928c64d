/**
 * A pod's effective requests and limits, as `k8s.io/kubernetes/pkg/api/v1/resource` sums
 * them: regular containers add up; an init container runs before them, so only the largest
 * counts — except sidecars (init containers with restartPolicy Always), which keep running
 * and add to everything after them; pod overhead adds to requests, and to the limits that
 * are set. Exact quantities, every resource name (not just cpu and memory).
 */
import type { KubeObject } from "../model/object.ts";
import { parseResourceList, type ResourceList } from "./resource-list.ts";

type Side = "requests" | "limits";

function addInto(target: ResourceList, add: ResourceList): void {
  for (const [name, q] of add) target.set(name, target.get(name)?.add(q) ?? q);
}

function maxInto(target: ResourceList, other: ResourceList): void {
  for (const [name, q] of other) {
    const cur = target.get(name);
    if (!cur || q.cmp(cur) > 0) target.set(name, q);
  }
}

function aggregate(pod: KubeObject, side: Side): ResourceList {
  const total: ResourceList = new Map();
  for (const c of pod.spec?.containers ?? []) addInto(total, parseResourceList(c?.resources?.[side]));
  const sidecars: ResourceList = new Map();
  const init: ResourceList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = parseResourceList(c?.resources?.[side]);
    let during: ResourceList;
    if (c?.restartPolicy === "Always") {
      addInto(total, own);
      addInto(sidecars, own);
      during = new Map(sidecars);
    } else {
      during = new Map(own);
      addInto(during, sidecars);
    }
    maxInto(init, during);
  }
  maxInto(total, init);
  return total;
}

export function podRequests(pod: KubeObject): ResourceList {
  const reqs = aggregate(pod, "requests");
  addInto(reqs, parseResourceList(pod.spec?.overhead));
  return reqs;
}

export function podLimits(pod: KubeObject): ResourceList {
  const limits = aggregate(pod, "limits");
  for (const [name, q] of parseResourceList(pod.spec?.overhead)) {
    const cur = limits.get(name);
    if (cur) limits.set(name, cur.add(q));
  }
  return limits;
}

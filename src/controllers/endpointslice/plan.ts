/**
 * Which EndpointSlices a selector Service needs, given the slices it has (kubernetes
 * `pkg/controller/endpointslice/reconciler.go` `reconcileByAddressType`, IPv4 only). Slices
 * group endpoints that share one port set; a slice holds at most `maxPerSlice` endpoints.
 * Churn is kept low as Kubernetes does: endpoints stay in the slice they are in, new ones go
 * first into slices that change anyway, then into new full slices, and a small remainder into
 * the fullest unchanged slice that can take it; a slice that would go is reused for one that
 * would be made. A service with no endpoints keeps one empty placeholder slice, so readers can
 * tell "no endpoints" from "not processed yet". Pure.
 */
import { cloneObject } from "../../model/clone.ts";
import { ownerReferencesOf } from "../../model/owner-references.ts";
import type { KubeObject } from "../../model/object.ts";
import type { Pod, Service } from "../../model/kinds.ts";
import { shouldPodBeInEndpoints } from "../framework/endpoint-util.ts";
import { endpointPorts, podToEndpoint, serviceOwnerRef, sliceLabels, type SliceEndpoint, type SlicePort } from "./endpoint.ts";

/** kube-controller-manager's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface SlicePlan {
  /** New slices (generateName set, no name). */
  create: KubeObject[];
  /** Existing slices as they should be (resourceVersion kept: a concurrent change is a conflict). */
  update: KubeObject[];
  delete: KubeObject[];
}

interface Group {
  ports: SlicePort[];
  endpoints: Map<string, SliceEndpoint>;
}

interface Kept {
  slice: KubeObject;
  key: string;
  endpoints: SliceEndpoint[];
}

/** `existing` is the service's managed slices; `pods` are those its selector matches. */
export function planSlices(svc: Service, pods: Pod[], existing: KubeObject[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const desired = desiredGroups(svc, pods);
  const labels = sliceLabels(svc);
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const changed: Kept[] = [];
  const unchanged: Kept[] = [];

  for (const slice of [...existing].sort(byName)) {
    const key = portKey(slice.ports ?? []);
    const group = desired.get(key);
    // A slice left by an earlier Service of the same name, or of another address type, goes.
    if (!group || slice.addressType !== "IPv4" || !ownedBy(slice, svc)) {
      plan.delete.push(slice);
      continue;
    }
    const kept: SliceEndpoint[] = [];
    let dirty = !Bun.deepEquals(slice.metadata.labels ?? {}, labels) || !Bun.deepEquals(slice.ports ?? [], group.ports);
    for (const ep of slice.endpoints ?? []) {
      const uid = ep?.targetRef?.uid;
      const want = uid === undefined ? undefined : group.endpoints.get(uid);
      if (!want) {
        dirty = true;
        continue;
      }
      group.endpoints.delete(uid);
      kept.push(want);
      if (!Bun.deepEquals(want, ep)) dirty = true;
    }
    if (kept.length === 0) plan.delete.push(slice);
    else (dirty ? changed : unchanged).push({ slice, key, endpoints: kept });
  }

  for (const [key, group] of desired) {
    const rest = [...group.endpoints.values()].sort(byTarget);
    for (const k of changed) {
      if (k.key !== key) continue;
      while (rest.length && k.endpoints.length < maxPerSlice) k.endpoints.push(rest.shift()!);
    }
    while (rest.length >= maxPerSlice) plan.create.push(newSlice(svc, labels, group.ports, rest.splice(0, maxPerSlice)));
    if (rest.length === 0) continue;
    const fits = unchanged
      .filter((k) => k.key === key && k.endpoints.length + rest.length <= maxPerSlice)
      .sort((a, b) => b.endpoints.length - a.endpoints.length)[0];
    if (fits) {
      unchanged.splice(unchanged.indexOf(fits), 1);
      fits.endpoints.push(...rest);
      changed.push(fits);
    } else {
      plan.create.push(newSlice(svc, labels, group.ports, rest));
    }
  }

  for (const k of changed) plan.update.push(updatedSlice(k.slice, svc, labels, desired.get(k.key)!.ports, k.endpoints));
  if (plan.create.length === 0 && plan.update.length === 0 && unchanged.length === 0) plan.create.push(newSlice(svc, labels, [], []));
  reuseDeletedSlices(plan, svc);
  return plan;
}

/**
 * A slice about to be deleted takes the content of one about to be created instead (one
 * update instead of a delete and a create), as Kubernetes' `finalize` does. Only slices of
 * this very Service: one of an earlier Service of the same name is the collector's.
 */
function reuseDeletedSlices(plan: SlicePlan, svc: Service): void {
  for (let i = 0; i < plan.delete.length && plan.create.length > 0;) {
    const old = plan.delete[i]!;
    if (old.addressType !== "IPv4" || !ownedBy(old, svc)) {
      i++;
      continue;
    }
    const made = plan.create.pop()!;
    plan.delete.splice(i, 1);
    const next = updatedSlice(old, svc, made.metadata.labels!, made.ports, made.endpoints);
    // An unchanged placeholder stays as it is.
    if (!Bun.deepEquals(next, old)) plan.update.push(next);
  }
}

/** Pods that belong in slices (terminating ones included), grouped by the ports they serve. */
function desiredGroups(svc: Service, pods: Pod[]): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ep = podToEndpoint(pod, svc);
    if (!ep) continue;
    const ports = endpointPorts(svc, pod);
    const key = portKey(ports);
    const g = groups.get(key) ?? groups.set(key, { ports, endpoints: new Map() }).get(key)!;
    g.endpoints.set(ep.targetRef.uid, ep);
  }
  return groups;
}

/** The same port set in any order gives the same key. */
export function portKey(ports: readonly Partial<SlicePort>[]): string {
  const norm = ports.map((p) => [p?.name ?? "", p?.port, p?.protocol ?? "TCP", p?.appProtocol ?? ""]);
  norm.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return JSON.stringify(norm);
}

function newSlice(svc: Service, labels: Record<string, string>, ports: SlicePort[], endpoints: SliceEndpoint[]): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels: { ...labels }, ownerReferences: [serviceOwnerRef(svc)] },
    addressType: "IPv4",
    endpoints,
    ports,
  };
}

function updatedSlice(slice: KubeObject, svc: Service, labels: Record<string, string>, ports: SlicePort[], endpoints: SliceEndpoint[]): KubeObject {
  const next = cloneObject(slice);
  next.metadata.labels = { ...labels };
  next.metadata.ownerReferences = [serviceOwnerRef(svc)];
  next.endpoints = endpoints;
  next.ports = ports;
  return next;
}

function ownedBy(slice: KubeObject, svc: Service): boolean {
  return ownerReferencesOf(slice).some((r) => r.controller && r.uid === svc.metadata.uid);
}

function byName(a: KubeObject, b: KubeObject): number {
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1;
}

function byTarget(a: SliceEndpoint, b: SliceEndpoint): number {
  return a.targetRef.name < b.targetRef.name ? -1 : a.targetRef.name > b.targetRef.name ? 1 : 0;
}

/**
 * VolumeBinding: a pod goes only where its claims' volumes can be used. PreFilter: every claim
 * must exist and not be going away, and claims that bind at once (Immediate) must already be
 * bound — Kubernetes' words for each. Filter: a bound claim's volume must be reachable from
 * the node (its node affinity); a WaitForFirstConsumer claim needs an Available volume
 * reachable from the node, or a class whose provisioner may create one there
 * (allowedTopologies). The scheduler's PreBind then names the node on such claims
 * (`volume.kubernetes.io/selected-node`), which starts their binding or provisioning.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Node, PersistentVolumeClaim, Pod, TopologySelectorTerm } from "../../model/kinds.ts";
import { isDelayBinding, podClaimNames, storageClassOf } from "../../volume-binding/claims.ts";
import { findMatchingVolume, volumeFitsNode } from "../../volume-binding/match.ts";
import { fail, SKIP, type NodeInfo, type Plugin, type StorageLister } from "../types.ts";

export const NAME = "VolumeBinding";
export const ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims";
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_NODE_CONFLICT = "node(s) had volume node affinity conflict";
export const ERR_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
/** A class with this provisioner never provisions (statically provisioned local volumes). */
export const NO_PROVISIONER = "kubernetes.io/no-provisioner";

interface State {
  storage: StorageLister;
  bound: KubeObject[];
  delayed: KubeObject[];
}

/** Bound claims and those waiting for this pod's node; a failure message when the pod cannot be placed at all. */
export function podClaims(pod: Pod, storage: StorageLister): { bound: KubeObject[]; delayed: KubeObject[] } | { error: string } {
  const bound: KubeObject[] = [];
  const delayed: KubeObject[] = [];
  let immediate = false;
  for (const name of podClaimNames(pod)) {
    const pvc = storage.claim(pod.metadata.namespace!, name);
    if (!pvc) return { error: `persistentvolumeclaim "${name}" not found` };
    if (pvc.metadata.deletionTimestamp) return { error: `persistentvolumeclaim "${name}" is being deleted` };
    if (pvc.spec?.volumeName) bound.push(pvc);
    else if (isDelayBinding(pvc, (c) => storage.storageClass(c))) delayed.push(pvc);
    else immediate = true;
  }
  return immediate ? { error: ERR_UNBOUND_IMMEDIATE } : { bound, delayed };
}

/** TopologySelectorTerms: ORed terms of ANDed `key in values` on the node's labels; none = everywhere. */
function topologyAllows(terms: TopologySelectorTerm[] | undefined, labels: Record<string, string>): boolean {
  if (!terms?.length) return true;
  return terms.some((t) => (t?.matchLabelExpressions ?? []).every((e) => (e?.values ?? []).includes(labels[e?.key])));
}

function canProvision(pvc: PersistentVolumeClaim, storage: StorageLister, node: Node): boolean {
  const sc = storage.storageClass(storageClassOf(pvc));
  if (!sc || !sc.provisioner || sc.provisioner === NO_PROVISIONER) return false;
  return topologyAllows(sc.allowedTopologies, node.metadata.labels ?? {});
}

function preBoundVolume(pvc: PersistentVolumeClaim, storage: StorageLister): KubeObject | undefined {
  for (const pv of storage.volumes()) if (pv.spec?.claimRef?.uid === pvc.metadata.uid && !pv.metadata.deletionTimestamp) return pv;
  return undefined;
}

export const volumeBinding: Plugin = {
  name: NAME,
  preFilter(cycle) {
    const storage = cycle.snapshot.storage;
    if (!storage || !podClaimNames(cycle.pod.pod).length) return SKIP;
    const claims = podClaims(cycle.pod.pod, storage);
    if ("error" in claims) return fail(claims.error, true);
    cycle.data.set(NAME, { storage, ...claims } satisfies State);
    return undefined;
  },
  filter(cycle, info: NodeInfo) {
    const { storage, bound, delayed } = cycle.data.get(NAME) as State;
    const node = info.node;
    if (!node) return fail(ERR_NODE_CONFLICT, true);
    const reasons = new Set<string>();
    for (const pvc of bound) {
      const pv = storage.volume(pvc.spec.volumeName);
      if (!pv) reasons.add(ERR_PV_NOT_EXIST);
      else if (!volumeFitsNode(pv, node)) reasons.add(ERR_NODE_CONFLICT);
    }
    const taken = new Set<string>();
    for (const pvc of delayed) {
      const pv = findMatchingVolume(pvc, storage.volumes(), { node, delayBinding: true, excluded: taken });
      if (pv) taken.add(pv.metadata.name!);
      // Provisioned already, for a node chosen before (the binder has not caught up): only there.
      else if (preBoundVolume(pvc, storage)) reasons.add(ERR_NODE_CONFLICT);
      else if (!canProvision(pvc, storage, node)) reasons.add(ERR_BIND_CONFLICT);
    }
    return reasons.size ? { reasons: [...reasons], unresolvable: true } : undefined;
  },
};

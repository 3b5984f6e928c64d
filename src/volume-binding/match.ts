/**
 * Which volume a claim gets (FindMatchingVolume): a volume pre-bound to the claim (a user's
 * claimRef, or one provisioned for it) wins; otherwise the smallest Available volume of the
 * claim's class, volume mode and access modes that is big enough and matches its selector.
 * With a node (the scheduler, or a delayed claim whose node is chosen) volumes must also be
 * reachable from that node; without one, delayed claims match only pre-bound volumes.
 */
import type { KubeObject } from "../model/object.ts";
import { parseQuantity, type Quantity } from "../model/quantity.ts";
import { labelSelectorMatches } from "../model/label-selector.ts";
import { matchesTerm } from "../model/node-selector.ts";
import { storageClassOf } from "./claims.ts";

/** The volume's claimRef names this claim (and its uid, once the controller set it). */
export function isVolumeBoundToClaim(pv: KubeObject, pvc: KubeObject): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

/** A volume without required node affinity is reachable from every node (CheckNodeAffinity). */
export function volumeFitsNode(pv: KubeObject, node: KubeObject): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return true;
  const terms = required.nodeSelectorTerms ?? [];
  return terms.some((t: any) => matchesTerm(node, t));
}

/** Every mode the claim asks for is one the volume offers. */
export function accessModesFit(pvc: KubeObject, pv: KubeObject): boolean {
  const offered: string[] = pv.spec?.accessModes ?? [];
  return (pvc.spec?.accessModes ?? []).every((m: string) => offered.includes(m));
}

const volumeMode = (spec: any) => spec?.volumeMode ?? "Filesystem";

function quantity(q: unknown): Quantity | undefined {
  if (q === undefined || q === null) return undefined;
  try {
    return parseQuantity(q as string);
  } catch {
    return undefined;
  }
}

export interface MatchOptions {
  /** The node the claim will be used on (scheduler path, or a delayed claim's selected node). */
  node?: KubeObject;
  /** The claim's class binds WaitForFirstConsumer. */
  delayBinding?: boolean;
  /** Volumes another claim of the same pod already took in this decision. */
  excluded?: Set<string>;
}

export function findMatchingVolume(pvc: KubeObject, volumes: Iterable<KubeObject>, o: MatchOptions = {}): KubeObject | undefined {
  const requested = quantity(pvc.spec?.resources?.requests?.storage) ?? parseQuantity("0");
  const className = storageClassOf(pvc);
  let smallest: { pv: KubeObject; size: Quantity } | undefined;
  for (const pv of volumes) {
    if (o.excluded?.has(pv.metadata.name!)) continue;
    const bound = isVolumeBoundToClaim(pv, pvc);
    if (pv.spec?.claimRef && !bound) continue;
    const size = quantity(pv.spec?.capacity?.storage);
    if (!size || size.cmp(requested) < 0) continue;
    if (volumeMode(pv.spec) !== volumeMode(pvc.spec)) continue;
    if (pv.metadata.deletionTimestamp) continue;
    const reachable = !o.node || volumeFitsNode(pv, o.node);
    if (bound) return reachable ? pv : undefined;
    // Without a node the PV controller leaves delayed claims to the scheduler's choice.
    if (!o.node && o.delayBinding) continue;
    if (pv.status?.phase !== "Available") continue;
    if (pvc.spec?.selector && !labelSelectorMatches(pvc.spec.selector, pv.metadata.labels ?? {})) continue;
    if (storageClassOf(pv) !== className) continue;
    if (!reachable) continue;
    if (!accessModesFit(pvc, pv)) continue;
    if (!smallest || smallest.size.cmp(size) > 0) smallest = { pv, size };
  }
  return smallest?.pv;
}

/**
 * Garbage-collection decisions as pure functions (kubernetes `pkg/controller/garbagecollector`):
 * whether a dependent has lost every owner, and what an owner being deleted still waits for.
 */
import type { KubeObject, OwnerReference } from "../../model/object.ts";
import { ownerReferencesOf } from "../../model/owner-references.ts";

export const FOREGROUND = "foregroundDeletion";
export const ORPHAN = "orphan";

/** What is known of an owner reference: present with that uid, absent, or present as another object (same name, new uid). */
export type OwnerState = "present" | "absent";

/** A dependent goes when all its owners are gone (an owner with a different uid is gone too). */
export function ownersGone(refs: OwnerReference[], state: (ref: OwnerReference) => OwnerState): boolean {
  return refs.length > 0 && refs.every((r) => state(r) === "absent");
}

/** Dependents that hold a foreground deletion: still there and blocking (blockOwnerDeletion). */
export function blockingDependents(ownerUid: string, dependents: KubeObject[]): KubeObject[] {
  return dependents.filter((d) => ownerReferencesOf(d).some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true));
}

export function withoutOwner(refs: OwnerReference[] | undefined, ownerUid: string): OwnerReference[] {
  return (refs ?? []).filter((r) => r.uid !== ownerUid);
}

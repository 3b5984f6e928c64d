/** What a delete does to an object, decided before anything is written. */
import { cloneObject } from "../../model/clone.ts";
import { nowTimestamp, type KubeObject } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";

const LAST_RFC3339_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/**
 * Decides what a delete does to `obj`: remove it (object undefined) or write a marked copy.
 * Pure, so the rules are testable: finalizers (incl. the ones a propagation policy adds),
 * and what the kind's DeletionStrategy adds (a pod's grace period, a namespace's teardown).
 */
export function planDeletion(def: ResourceDef, obj: KubeObject, options: DeleteOptions, now: Date): { object?: KubeObject } {
  const next = cloneObject(obj);
  const meta = next.metadata;
  const finalizers = new Set(meta.finalizers ?? []);
  const policy = options.propagationPolicy ?? (options.orphanDependents ? "Orphan" : undefined);
  if (policy === "Orphan") finalizers.add("orphan");
  if (policy === "Foreground") finalizers.add("foregroundDeletion");
  let grace = def.deletion?.gracePeriod?.(next, options.gracePeriodSeconds) ?? 0;
  // A second delete may shorten the grace, never lengthen it.
  if (grace > 0 && meta.deletionGracePeriodSeconds !== undefined) grace = Math.min(grace, meta.deletionGracePeriodSeconds);
  const held = def.deletion?.held?.(next) ?? false;
  if (finalizers.size === 0 && grace === 0 && !held) return {};
  // An int64 grace period can pass any Date (Go's time wraps silently): stop at year 9999, RFC 3339's last.
  if (!meta.deletionTimestamp) meta.deletionTimestamp = nowTimestamp(new Date(Math.min(now.getTime() + grace * 1000, LAST_RFC3339_MS)));
  meta.deletionGracePeriodSeconds = grace;
  meta.finalizers = [...finalizers];
  if (meta.finalizers.length === 0) delete meta.finalizers;
  def.deletion?.markDeleting?.(next);
  return { object: next };
}

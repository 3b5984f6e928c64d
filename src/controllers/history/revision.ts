/**
 * ControllerRevisions, the history of DaemonSets and StatefulSets (kubernetes
 * `pkg/controller/history`): each revision holds the owner's pod template as a strategic-merge
 * patch `{spec:{template:{…, $patch: "replace"}}}` — exactly what `kubectl rollout undo` applies
 * back onto the owner — a monotonically increasing `revision`, and the
 * `controller-revision-hash` label. These are the pure parts: building, comparing, ordering
 * and choosing what to prune.
 */
import { cloneObject } from "../../model/clone.ts";
import type { ControllerRevision, DaemonSet, PodTemplateSpec, StatefulSet } from "../../model/kinds.ts";
import { controllerRefTo } from "../framework/pod-util.ts";
import { podTemplateHash } from "../deployment/template-hash.ts";

export const REVISION_HASH_LABEL = "controller-revision-hash";

/** Names are `<owner>-<hash>`; the owner part is cut so the name stays a valid DNS subdomain (ControllerRevisionName). */
const MAX_PREFIX = 223;

/** The data a revision stores for an owner with a pod template (getPatch in both controllers). */
/** What the controllers keep in a revision's data; one written by another hand may hold anything. */
export interface TemplatePatch {
  spec: { template: PodTemplateSpec & { $patch?: "replace" } };
}

export function templatePatch(owner: DaemonSet | StatefulSet): TemplatePatch {
  return { spec: { template: { ...cloneObject(owner.spec?.template ?? {}), $patch: "replace" } } };
}

/** The pod template a revision records (what ApplyRevision yields for the template). */
export function revisionTemplate(rev: ControllerRevision): PodTemplateSpec {
  const data = rev.data as { spec?: Partial<TemplatePatch["spec"]> } | undefined;
  const t = cloneObject(data?.spec?.template ?? {});
  delete t.$patch;
  return t;
}

/** FNV-1a over the data (plus the collision count, when there was one), safe-encoded. */
export function revisionHash(data: unknown, collisionCount?: number): string {
  return podTemplateHash(data, collisionCount);
}

export function revisionName(ownerName: string, hash: string): string {
  return `${ownerName.slice(0, MAX_PREFIX)}-${hash}`;
}

/**
 * A new ControllerRevision for `owner` (NewControllerRevision): the template's labels plus the
 * hash label, a controller reference, the data and revision number. `hash` defaults to the
 * hash of the data; DaemonSets pass their template hash instead.
 */
export function buildRevision(owner: DaemonSet | StatefulSet, data: unknown, revision: number, o: { collisionCount?: number; hash?: string; annotations?: Record<string, string> } = {}): ControllerRevision {
  const hash = o.hash ?? revisionHash(data, o.collisionCount);
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(owner.metadata.name!, hash),
      namespace: owner.metadata.namespace,
      labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ...(o.annotations && Object.keys(o.annotations).length ? { annotations: { ...o.annotations } } : {}),
      ownerReferences: [controllerRefTo(owner)],
    },
    data,
    revision,
  };
}

export function revisionNumber(rev: ControllerRevision): number {
  return Number(rev.revision ?? 0) || 0;
}

/** Oldest first: by revision, then creation time, then name (SortControllerRevisions). */
export function sortRevisions(revs: ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) =>
    revisionNumber(a) - revisionNumber(b) ||
    (Date.parse(a.metadata.creationTimestamp ?? "") || 0) - (Date.parse(b.metadata.creationTimestamp ?? "") || 0) ||
    (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
}

/** One more than the highest revision, 1 for an empty history. */
export function nextRevision(revs: ControllerRevision[]): number {
  return revs.reduce((m, r) => Math.max(m, revisionNumber(r)), 0) + 1;
}

/** Whether a revision records this data (EqualRevision compares the raw patch). */
export function sameData(rev: ControllerRevision, data: unknown): boolean {
  return Bun.deepEquals(rev.data, data, true);
}

/**
 * Historic revisions to delete so that at most `limit` remain besides the live ones (those a
 * pod or the owner's status still names), oldest first.
 */
export function revisionsToPrune(revs: ControllerRevision[], live: Set<string>, limit: number): ControllerRevision[] {
  const history = sortRevisions(revs).filter((r) => !live.has(r.metadata.name!));
  if (limit < 0 || history.length <= limit) return [];
  return history.slice(0, history.length - limit);
}

/**
 * A StatefulSet pod's stable identity (kubernetes `pkg/controller/statefulset/stateful_set_utils.go`):
 * the name `<set>-<ordinal>`, the pod-name and pod-index labels, hostname and subdomain (the
 * governing headless service), one PersistentVolumeClaim per volumeClaimTemplate named
 * `<claim>-<set>-<ordinal>`, and the claims' owner references that the retention policy asks for.
 */
import { cloneObject } from "../../model/clone.ts";
import { ownerReferencesOf } from "../../model/owner-references.ts";
import type { KubeObject, OwnerReference } from "../../model/object.ts";
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet } from "../../model/kinds.ts";
import { podFromTemplate } from "../framework/pod-util.ts";
import { REVISION_HASH_LABEL } from "../history/revision.ts";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

const ORDINAL = /^(.*)-(\d+)$/;

/** The pod's parent name and ordinal from its name; ordinal -1 when it has none. */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = ORDINAL.exec(podName);
  if (!m) return { parent: "", ordinal: -1 };
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 0x7fffffff ? { parent: m[1]!, ordinal: n } : { parent: "", ordinal: -1 };
}

export function ordinalOf(pod: Pod): number {
  return parentAndOrdinal(pod.metadata.name ?? "").ordinal;
}

export function startOrdinal(set: KubeObject): number {
  return Number(set.spec?.ordinals?.start ?? 0) || 0;
}

export function podName(set: KubeObject, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function claimName(set: KubeObject, template: { metadata?: { name?: string } } | undefined, ordinal: number): string {
  return `${template?.metadata?.name}-${set.metadata.name}-${ordinal}`;
}

/** The claims a pod of this ordinal uses: template, plus the set's selector labels (getPersistentVolumeClaims). */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t): PersistentVolumeClaim => {
    const c = cloneObject(t);
    return {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: claimName(set, t, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...(c.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
        ...(c.metadata?.annotations ? { annotations: c.metadata.annotations } : {}),
      },
      spec: c.spec ?? {},
    };
  });
}

/**
 * A new pod for `ordinal` from `template` (the current or update revision's), labelled with
 * that revision's name (newStatefulSetPod + setPodRevision).
 */
export function newStatefulPod(set: StatefulSet, template: PodTemplateSpec | undefined, ordinal: number, revisionName: string): Pod {
  const pod = podFromTemplate(template, set);
  const name = podName(set, ordinal);
  delete pod.metadata.generateName;
  pod.metadata.name = name;
  pod.metadata.labels = { ...pod.metadata.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_HASH_LABEL]: revisionName };
  pod.spec.hostname = name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  // Template volumes named like a claim template give way to the claim (updateStorage).
  const claims = (set.spec?.volumeClaimTemplates ?? []).map((t) => ({ name: t.metadata?.name!, persistentVolumeClaim: { claimName: claimName(set, t, ordinal) } }));
  if (claims.length) {
    const names = new Set(claims.map((c) => c.name));
    pod.spec.volumes = [...claims, ...(pod.spec.volumes ?? []).filter((v) => !names.has(v.name))];
  }
  return pod;
}

/** The revision name a pod was made from. */
export function podRevision(pod: Pod): string {
  return pod.metadata.labels?.[REVISION_HASH_LABEL] ?? "";
}

/** identityMatches: name, namespace and the identity labels agree with the ordinal. */
export function identityMatches(set: KubeObject, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata.name ?? "");
  const labels = pod.metadata.labels ?? {};
  return ordinal >= 0 && parent === set.metadata.name && pod.metadata.namespace === set.metadata.namespace &&
    labels[POD_NAME_LABEL] === pod.metadata.name && labels[POD_INDEX_LABEL] === String(ordinal);
}

/**
 * The owner references a claim should carry under persistentVolumeClaimRetentionPolicy:
 * whenDeleted=Delete ties it to the set (deleted with it), whenScaled=Delete ties it to its pod
 * once that pod is scaled away (deleted with the pod). Other references are kept.
 */
export function claimOwnerRefs(set: KubeObject, claim: KubeObject, pod: Pod | undefined, scaledDown: boolean): OwnerReference[] {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const deleteWithSet = policy.whenDeleted === "Delete";
  const deleteOnScale = policy.whenScaled === "Delete";
  const wantSet = deleteWithSet && !(deleteOnScale && scaledDown);
  const wantPod = deleteOnScale && scaledDown && pod !== undefined;
  const others = ownerReferencesOf(claim).filter((r) => r.uid !== set.metadata.uid && !(r.kind === "Pod" && r.name === pod?.metadata.name));
  const refs = [...others];
  if (wantSet) refs.push({ apiVersion: "apps/v1", kind: "StatefulSet", name: set.metadata.name!, uid: set.metadata.uid! });
  if (wantPod) refs.push({ apiVersion: "v1", kind: "Pod", name: pod!.metadata.name!, uid: pod!.metadata.uid! });
  return refs;
}

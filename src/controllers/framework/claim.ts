/**
 * Adoption and release (client-go's ControllerRefManager): a controller owns the objects whose
 * controller reference names it; it adopts matching orphans and lets go of owned objects
 * that stopped matching. Both are optimistic writes that re-check the current object, so
 * two controllers never both adopt one orphan.
 */
import { ownerReferencesOf } from "../../model/owner-references.ts";
import type { KubeObject, OwnerReference } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import type { ControllerContext } from "./context.ts";
import type { SharedInformer } from "./informer-factory.ts";
import { controllerOf, controllerRefTo } from "./pod-util.ts";
import { metadataUnreadable } from "./readable.ts";

/**
 * The objects `owner` controls after claiming: owned ones that match, plus adopted orphans.
 * While the owner is being deleted it neither adopts nor releases.
 */
export async function claimObjects(ctx: ControllerContext, informer: SharedInformer, owner: KubeObject, matches: (obj: KubeObject) => boolean): Promise<KubeObject[]> {
  const uid = owner.metadata.uid!;
  const deleting = !!owner.metadata.deletionTimestamp;
  const out: KubeObject[] = [];
  for (const obj of informer.ownedBy(uid)) {
    if (controllerOf(obj)?.uid !== uid) continue;
    // Stored with metadata that cannot be read: neither counted nor released (a write to it would be refused).
    if (metadataUnreadable(obj)) continue;
    if (deleting || matches(obj)) out.push(obj);
    else await editOwners(ctx, informer, obj, (refs) => refs.filter((r) => r.uid !== uid));
  }
  if (deleting) return out;
  for (const obj of informer.list(owner.metadata.namespace)) {
    if (controllerOf(obj) || obj.metadata.deletionTimestamp || !matches(obj)) continue;
    const adopted = await editOwners(ctx, informer, obj, (refs) => (refs.some((r) => r.controller) ? refs : [...refs, controllerRefTo(owner)]));
    if (adopted && controllerOf(adopted)?.uid === uid) out.push(adopted);
  }
  return out;
}

/** Rewrites an object's ownerReferences (if it is still the same object); undefined when gone. */
async function editOwners(ctx: ControllerContext, informer: SharedInformer, obj: KubeObject, edit: (refs: OwnerReference[]) => OwnerReference[]): Promise<KubeObject | undefined> {
  try {
    const { object } = await ctx.storage.update(informer.def, obj.metadata.namespace, obj.metadata.name!, (cur) => {
      if (cur.metadata.uid !== obj.metadata.uid) return cur;
      const refs = edit(ownerReferencesOf(cur));
      if (refs.length) cur.metadata.ownerReferences = refs;
      else delete cur.metadata.ownerReferences;
      return cur;
    });
    return object.metadata.uid === obj.metadata.uid ? object : undefined;
  } catch (e) {
    if (isStatusError(e, "NotFound")) return undefined;
    throw e;
  }
}

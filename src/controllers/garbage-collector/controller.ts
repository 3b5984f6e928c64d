/**
 * The garbage collector: deletion by ownerReferences.
 *
 * - Background: a dependent whose every owner is gone (absent, or replaced by an object of
 *   the same name with another uid) is deleted.
 * - Foreground: an owner marked for deletion with the `foregroundDeletion` finalizer has its
 *   dependents deleted (in the foreground too); the finalizer goes once no dependent with
 *   `blockOwnerDeletion` is left, and the owner with it.
 * - Orphan: an owner with the `orphan` finalizer loses its place in its dependents'
 *   ownerReferences; then the finalizer goes.
 *
 * Every served kind is watched through metadata-only informers, as Kubernetes' collector does
 * (it reads metadata alone, and whole objects would hold every Secret's data); dependents are
 * found with their owner index, owners by uid. An absent owner is confirmed against the store
 * before anything is deleted, so an informer that lags never causes a wrong deletion.
 */
import { ownerReferencesOf } from "../../model/owner-references.ts";
import type { KubeObject, OwnerReference } from "../../model/object.ts";
import { parseApiVersion } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { blockingDependents, FOREGROUND, ORPHAN, ownersGone, withoutOwner } from "./plan.ts";

/** Kinds that never own anything and are too numerous to mirror. */
const SKIP = new Set(["events"]);
const RECHECK_MS = 500;

export class GarbageCollector implements Controller {
  readonly name = "garbage-collector";
  readonly workers = 4;
  private ctx!: ControllerContext;
  private informers = new Map<string, SharedInformer>();
  /** uid → (informer id, key) of every object seen. */
  private byUid = new Map<string, { id: string; key: string }>();

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.watchServed(queue);
    // Custom resources served later (CustomResourceDefinitions) own and are owned too.
    const stop = ctx.registry.onChange(() => {
      for (const inf of this.watchServed(queue)) void inf.start(ctx.signal);
    });
    ctx.signal.addEventListener("abort", stop, { once: true });
    await Promise.all([...this.informers.values()].map((i) => i.start(ctx.signal)));
  }

  /** Informers for every served resource not yet watched (one per resource, whatever its versions); returns the new ones. */
  private watchServed(queue: { add(key: string): void }): SharedInformer[] {
    const added: SharedInformer[] = [];
    for (const def of this.ctx.registry.all) {
      if (SKIP.has(def.plural)) continue;
      const id = `${def.group}/${def.plural}`;
      if (this.informers.has(id)) continue;
      const inf = this.ctx.informers.metadata(def);
      added.push(inf);
      this.informers.set(id, inf);
      inf.addHandler({
        onChange: (obj) => {
          this.byUid.set(obj.metadata.uid!, { id, key: keyOf(obj) });
          if (ownerReferencesOf(obj).length) queue.add(`dep|${id}|${keyOf(obj)}`);
          const f = obj.metadata.finalizers ?? [];
          if (obj.metadata.deletionTimestamp && (f.includes(FOREGROUND) || f.includes(ORPHAN))) queue.add(`owner|${id}|${keyOf(obj)}`);
        },
        onDelete: (obj) => {
          this.byUid.delete(obj.metadata.uid!);
          // Its dependents may now be orphans; owners in foreground deletion may now be free.
          for (const [did, dinf] of this.informers) for (const d of dinf.ownedBy(obj.metadata.uid!)) queue.add(`dep|${did}|${keyOf(d)}`);
          for (const ref of ownerReferencesOf(obj)) {
            const owner = this.byUid.get(ref.uid);
            if (owner) queue.add(`owner|${owner.id}|${owner.key}`);
          }
        },
      });
    }
    return added;
  }

  async reconcile(item: string): Promise<number | void> {
    const [kind, id, key] = splitItem(item);
    const inf = this.informers.get(id);
    const obj = inf?.get(key);
    if (!inf || !obj) return;
    return kind === "owner" ? this.processOwner(inf, obj) : this.processDependent(inf, obj);
  }

  private async processDependent(inf: SharedInformer, obj: KubeObject): Promise<void> {
    const refs = ownerReferencesOf(obj);
    if (!ownersGone(refs, (r) => (this.ownerInCache(r, obj) ? "present" : "absent"))) return;
    // Confirm with the store: the informer of the owner's kind may simply not have caught up.
    for (const r of refs) if (await this.ownerInStore(r, obj)) return;
    try {
      await this.ctx.storage.delete(inf.def, obj.metadata.namespace, obj.metadata.name!, { propagationPolicy: "Background", preconditions: { uid: obj.metadata.uid } });
    } catch (e) {
      if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
    }
  }

  private async processOwner(inf: SharedInformer, owner: KubeObject): Promise<number | void> {
    const uid = owner.metadata.uid!;
    const f = owner.metadata.finalizers ?? [];
    const dependents: { def: ResourceDef; obj: KubeObject }[] = [];
    for (const d of this.informers.values()) for (const obj of d.ownedBy(uid)) dependents.push({ def: d.def, obj });
    if (f.includes(ORPHAN)) {
      for (const { def, obj } of dependents) {
        await this.update(def, obj, (cur) => {
          const refs = withoutOwner(ownerReferencesOf(cur), uid);
          if (refs.length) cur.metadata.ownerReferences = refs;
          else delete cur.metadata.ownerReferences;
          return cur;
        });
      }
      await this.removeFinalizer(inf.def, owner, ORPHAN);
      return;
    }
    if (f.includes(FOREGROUND)) {
      for (const { def, obj } of dependents) {
        if (obj.metadata.deletionTimestamp) continue;
        try {
          await this.ctx.storage.delete(def, obj.metadata.namespace, obj.metadata.name!, { propagationPolicy: "Foreground", preconditions: { uid: obj.metadata.uid } });
        } catch (e) {
          if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
        }
      }
      const blocking = blockingDependents(uid, dependents.map((d) => d.obj));
      if (blocking.length > 0) return RECHECK_MS;
      await this.removeFinalizer(inf.def, owner, FOREGROUND);
    }
  }

  private ownerInCache(ref: OwnerReference, dependent: KubeObject): boolean {
    const at = this.byUid.get(ref.uid);
    if (!at) return false;
    const owner = this.informers.get(at.id)?.get(at.key);
    // A namespaced owner must live in the dependent's namespace.
    return !!owner && (!owner.metadata.namespace || owner.metadata.namespace === dependent.metadata.namespace);
  }

  private async ownerInStore(ref: OwnerReference, dependent: KubeObject): Promise<boolean> {
    const { group, version } = parseApiVersion(ref.apiVersion);
    const def = this.ctx.registry.forKind(group, version, ref.kind);
    // A kind this server does not serve cannot be looked up: as Kubernetes does, never delete on a guess.
    if (!def) return true;
    const owner = await this.ctx.storage.tryGet(def, def.namespaced ? dependent.metadata.namespace : undefined, ref.name);
    return owner?.metadata.uid === ref.uid;
  }

  private async removeFinalizer(def: ResourceDef, obj: KubeObject, finalizer: string): Promise<void> {
    await this.update(def, obj, (cur) => {
      cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((x) => x !== finalizer);
      if (cur.metadata.finalizers.length === 0) delete cur.metadata.finalizers;
      return cur;
    });
  }

  private async update(def: ResourceDef, obj: KubeObject, edit: (cur: KubeObject) => KubeObject): Promise<void> {
    try {
      await this.ctx.storage.update(def, obj.metadata.namespace, obj.metadata.name!, (cur) => (cur.metadata.uid === obj.metadata.uid ? edit(cur) : cur));
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

function splitItem(item: string): [string, string, string] {
  const a = item.indexOf("|");
  const b = item.indexOf("|", a + 1);
  return [item.slice(0, a), item.slice(a + 1, b), item.slice(b + 1)];
}

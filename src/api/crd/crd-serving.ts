/**
 * Serves custom resources from CustomResourceDefinitions, in every API server (not behind
 * leader election: each server's registry must know what it serves), as the
 * apiextensions-apiserver's naming, establishing and finalizing controllers do together:
 * an informer of definitions feeds a work queue of names; reconcile(name) serves the
 * definition's versions under the names it may take, then writes the status that says so
 * (NamesAccepted, Established), so a client that waits for Established finds the resource
 * served. A definition marked for deletion has its objects deleted, then its finalizer dropped.
 */
import { Informer } from "../../client/informer.ts";
import { WorkQueue } from "../../client/work-queue.ts";
import { nowTimestamp } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import { log } from "../../log.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import { StorageListWatch } from "../storage/list-watch.ts";
import type { ResourceRegistry } from "../resources/registry.ts";
import type { ResourceDef } from "../resources/types.ts";
import { CLEANUP_FINALIZER, CRD_GROUP, type Crd, type CrdStatus } from "./crd-types.ts";
import { customResourceDefs } from "./custom-resource-defs.ts";
import { acceptNames, servedStatus } from "./crd-plan.ts";
import { setCondition } from "./crd-conditions.ts";

export interface CrdServingDeps {
  storage: ObjectStorage;
  registry: ResourceRegistry;
  now?: () => Date;
  /** How soon a definition whose objects are still finalizing is looked at again. */
  recheckMs?: number;
}

export class CrdServing {
  private readonly crdDef: ResourceDef;
  private readonly now: () => Date;
  /** What each definition last served, to reach its objects after the definition is gone. */
  private readonly lastServed = new Map<string, ResourceDef[]>();

  constructor(private readonly deps: CrdServingDeps) {
    this.crdDef = deps.registry.find(CRD_GROUP, "v1", "customresourcedefinitions")!;
    this.now = deps.now ?? (() => new Date());
  }

  /** Resolves once every stored definition is served; runs until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    const informer = new Informer(new StorageListWatch(this.deps.storage, this.crdDef));
    const queue = new WorkQueue({ signal, baseDelayMs: 50, maxDelayMs: 5_000 });
    informer.addHandler({
      onChange: (crd) => queue.add(crd.metadata.name!),
      onDelete: (crd) => queue.add(crd.metadata.name!),
    });
    await informer.start(signal);
    // The first pass inline, so a server starts serving what is stored before it answers.
    for (const crd of informer.list()) await this.reconcile(crd.metadata.name!, crd as unknown as Crd).catch(() => queue.add(crd.metadata.name!));
    void (async () => {
      for (let key; (key = await queue.get()) !== undefined; ) {
        try {
          const again = await this.reconcile(key, informer.get(key) as unknown as Crd | undefined);
          queue.forget(key);
          if (again) queue.addAfter(key, this.deps.recheckMs ?? 500);
        } catch (e) {
          log.warn("custom resource definition", { name: key, error: String(e) });
          queue.requeueRateLimited(key);
        } finally {
          queue.done(key);
        }
      }
    })();
  }

  /** Idempotent. Returns true when the definition must be looked at again (objects still finalizing). */
  async reconcile(name: string, crd: Crd | undefined): Promise<boolean> {
    if (!crd) {
      // Gone (its finalizer removed by hand, or by us): stop serving, and leave no objects behind.
      const defs = this.lastServed.get(name) ?? [];
      this.deps.registry.setCustom(name, []);
      this.lastServed.delete(name);
      if (defs[0]) await this.deleteObjects(defs[0]);
      return false;
    }
    if (crd.metadata.deletionTimestamp) return this.finalize(crd);
    const others = this.deps.registry.all.filter((d) => d.group === crd.spec.group && ownerName(d) !== name);
    const verdict = acceptNames(crd, others);
    const defs = verdict.names ? customResourceDefs(crd, verdict.names) : [];
    this.deps.registry.setCustom(name, defs);
    if (verdict.names) this.lastServed.set(name, customResourceDefs(crd, verdict.names, true));
    await this.writeStatus(name, servedStatus(crd, verdict, nowTimestamp(this.now())));
    return false;
  }

  private async finalize(crd: Crd): Promise<boolean> {
    const name = crd.metadata.name!;
    if (!crd.metadata.finalizers?.includes(CLEANUP_FINALIZER)) return false;
    const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : crd.spec.names;
    const all = customResourceDefs(crd, names, true);
    const remaining = all[0] ? await this.deleteObjects(all[0]) : 0;
    const now = nowTimestamp(this.now());
    if (remaining > 0) {
      await this.writeStatus(name, {
        ...crd.status,
        conditions: setCondition(crd.status?.conditions, { type: "Terminating", status: "True", reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress" }, now),
      });
      return true;
    }
    this.deps.registry.setCustom(name, []);
    this.lastServed.delete(name);
    await this.deps.storage.update(this.crdDef, undefined, name, (current) => {
      const conditions = setCondition((current as unknown as Crd).status?.conditions, { type: "Terminating", status: "False", reason: "InstanceDeletionCompleted", message: "removed all instances" }, now);
      return {
        ...current,
        metadata: { ...current.metadata, resourceVersion: undefined, finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) },
        status: { ...current.status, conditions },
      };
    }).catch((e) => {
      if (!isStatusError(e, "NotFound")) throw e;
    });
    return false;
  }

  /** Deletes every object of the resource; returns how many are still there (held by finalizers). */
  private async deleteObjects(def: ResourceDef): Promise<number> {
    const items = (await this.deps.storage.list(def, undefined)).items;
    let remaining = 0;
    for (const obj of items) {
      try {
        const { deleted } = await this.deps.storage.delete(def, obj.metadata.namespace, obj.metadata.name!, {});
        if (!deleted) remaining++;
      } catch (e) {
        if (!isStatusError(e, "NotFound")) throw e;
      }
    }
    return remaining;
  }

  private async writeStatus(name: string, status: CrdStatus): Promise<void> {
    await this.deps.storage.update(this.crdDef, undefined, name, (current) => ({ ...current, metadata: { ...current.metadata, resourceVersion: undefined }, status }), { subresource: "status" }).catch((e) => {
      if (!isStatusError(e, "NotFound")) throw e;
    });
  }
}

/** The definition a served custom resource came from (its `<plural>.<group>` name). */
const ownerName = (d: ResourceDef): string | undefined => (d.custom ? `${d.plural}.${d.group}` : undefined);

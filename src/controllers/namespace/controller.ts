/**
 * Namespace deletion (Kubernetes' namespace controller): a namespace marked for deletion is
 * Terminating; its content is deleted, and once nothing is left the `kubernetes` finalizer is
 * removed from spec.finalizers, which lets the store remove the namespace itself.
 *
 * Runs inside the server against ObjectStorage (the same write path the API uses).
 */
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../../api/resources/registry.ts";
import type { KubeObject } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import { WorkQueue } from "../work-queue.ts";
import { log } from "../../log.ts";

export interface NamespaceControllerDeps {
  storage: ObjectStorage;
  registry: ResourceRegistry;
  signal: AbortSignal;
  /** How soon to look again while content is still going away. */
  recheckMs?: number;
}

export const NAMESPACE_FINALIZER = "kubernetes";

export function startNamespaceController(deps: NamespaceControllerDeps): Promise<void> {
  const { storage, registry, signal } = deps;
  const nsDef = registry.find("", "v1", "namespaces")!;
  const queue = new WorkQueue({ signal });
  const recheck = deps.recheckMs ?? 1000;

  // Informer: list + watch namespaces, enqueue the ones being deleted.
  const prefix = "/namespaces/";
  const enqueue = (ns: KubeObject) => {
    if (ns.metadata.deletionTimestamp) queue.add(ns.metadata.name!);
  };
  const startList = storage.list(nsDef, undefined).then((list) => {
    for (const ns of list.items) enqueue(ns);
    storage.store.watch(prefix, { fromRevision: Number(list.metadata.resourceVersion), signal }, (ev) => {
      if (ev.type !== "DELETED") enqueue(ev.object);
    });
  });

  async function reconcile(name: string): Promise<"done" | "again"> {
    const ns = await storage.tryGet(nsDef, undefined, name);
    if (!ns || !ns.metadata.deletionTimestamp) return "done";
    let remaining = 0;
    for (const def of registry.all) {
      if (!def.namespaced) continue;
      const items = (await storage.list(def, name)).items;
      for (const item of items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        try {
          await storage.delete(def, name, item.metadata.name!, { propagationPolicy: "Background" });
        } catch (e) {
          if (!isStatusError(e, "NotFound")) throw e;
        }
      }
    }
    if (remaining > 0) {
      // Check what is left (finalizers and graceful pods take their time).
      const left = await countContent(name);
      if (left > 0) return "again";
    }
    await storage.update(nsDef, undefined, name, (cur) => {
      cur.spec = { ...(cur.spec ?? {}), finalizers: (cur.spec?.finalizers ?? []).filter((f: string) => f !== NAMESPACE_FINALIZER) };
      return cur;
    });
    log.info("namespace deleted", { namespace: name });
    return "done";
  }

  async function countContent(name: string): Promise<number> {
    let n = 0;
    for (const def of registry.all) if (def.namespaced) n += (await storage.list(def, name, { limit: 1 })).items.length;
    return n;
  }

  const worker = async () => {
    await startList;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const r = await reconcile(key);
        queue.forget(key);
        if (r === "again") queue.addAfter(key, recheck);
      } catch (e) {
        if (!signal.aborted) log.warn("namespace reconcile failed", { namespace: key, error: String(e) });
        queue.requeueRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  return worker();
}

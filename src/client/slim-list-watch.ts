/**
 * A ListWatch that keeps only what its reader needs of each object: the cluster DNS wants a
 * pod's IPs and nothing else, and every node watches every pod for it, so holding whole pods
 * (specs, statuses, managed fields) in each agent's cache would cost far more than the records.
 * Inside the server, every informer drops managedFields (see `withoutManagedFields`).
 */
import type { ListWatch, ListWatchEvent, ListedObjects } from "./list-watch.ts";
import type { KubeObject } from "../model/object.ts";

export class SlimListWatch implements ListWatch {
  readonly description: string;

  constructor(
    private readonly inner: ListWatch,
    private readonly slim: (obj: KubeObject) => KubeObject,
  ) {
    this.description = inner.description;
  }

  async list(signal: AbortSignal): Promise<ListedObjects> {
    const l = await this.inner.list(signal);
    return { resourceVersion: l.resourceVersion, items: l.items.map(this.slim) };
  }

  watch(resourceVersion: string, signal: AbortSignal, onEvent: (event: ListWatchEvent) => void): Promise<void> {
    return this.inner.watch(resourceVersion, signal, (ev) => onEvent(ev.type === "BOOKMARK" ? ev : { type: ev.type, object: this.slim(ev.object) }));
  }
}

/**
 * The object without metadata.managedFields, as kube-controller-manager's and the scheduler's
 * informers keep them: no controller reads them, and on a pod written by two managers they are
 * two thirds of its parsed objects. A shallow copy: the event's object may be shared with other
 * listeners (the store parses each commit once for all of them), so it is never changed.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  const meta = obj?.metadata;
  if (!meta || meta.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/**
 * `desired` (made from a trimmed cache copy) carrying `stored`'s managedFields, for a write
 * that replaces a whole object outside the API's field manager: the owners recorded stay.
 */
export function withManagedFieldsOf<T extends KubeObject>(stored: KubeObject, desired: T): T {
  const managedFields = stored.metadata?.managedFields;
  if (managedFields === undefined || desired.metadata?.managedFields !== undefined) return desired;
  return { ...desired, metadata: { ...desired.metadata, managedFields } };
}

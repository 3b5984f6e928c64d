/**
 * A ListWatch that keeps only what its reader needs of each object: the cluster DNS wants a
 * pod's IPs and nothing else, and every node watches every pod for it, so holding whole pods
 * (specs, statuses, managed fields) in each agent's cache would cost far more than the records.
 * Inside the server, every informer drops managedFields (model/managed-fields.ts).
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

/**
 * The server's own objects as an informer's ListWatch: the list through ObjectStorage, the
 * watch through ObjectStorage.watch, on the store's commit path. A commit reaches watchers before
 * the write's promise resolves, so a controller that awaited its own write already sees it in
 * its informer (no "expectations" needed).
 *
 * Readers get well-typed objects: one stored before write validation with a wrong-typed field
 * (`containers: 5`, `labels: "x"`) is handed on as a copy without it (readableCopy), so a
 * controller that reads many objects for one key (a service's pods, a namespace's quota)
 * never fails that key because of another object; the object's own reconcile still learns
 * what was wrong (controllers/framework/readable.ts) and fails with back-off.
 */
import type { ListWatch, ListWatchEvent, ListedObjects } from "../../client/list-watch.ts";
import { StatusError } from "../../model/errors.ts";
import { readableCopy } from "../openapi/stored-shape.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { ObjectStorage } from "./object-storage.ts";

export class StorageListWatch implements ListWatch {
  readonly description: string;

  constructor(
    private readonly storage: ObjectStorage,
    readonly def: ResourceDef,
  ) {
    this.description = def.group ? `${def.plural}.${def.group}` : def.plural;
  }

  async list(): Promise<ListedObjects> {
    const list = await this.storage.list(this.def, undefined);
    return { items: list.items.map(readableCopy), resourceVersion: String(list.metadata.resourceVersion) };
  }

  /** Runs until signal aborts: the store ends a watch for nothing else. */
  watch(resourceVersion: string, signal: AbortSignal, onEvent: (event: ListWatchEvent) => void): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    const watching = this.storage.watch(this.def, undefined, { fromRevision: Number(resourceVersion), signal }, (ev) => {
      onEvent({ type: ev.type, object: readableCopy(ev.object) });
    });
    if (watching instanceof StatusError) return Promise.reject(watching); // 410: the informer relists
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
}

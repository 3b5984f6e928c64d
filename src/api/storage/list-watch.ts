/**
 * The server's own objects as an informer's ListWatch: the list through ObjectStorage, the
 * watch through ObjectStorage.watch, on the store's commit path. A commit reaches watchers
 * before the write's promise resolves, so a controller that awaited its own write already sees
 * it in its informer (no "expectations" needed). Objects come without metadata.managedFields,
 * parsed from the stored text without them: no reader in the server reads them
 * (kube-controller-manager's and the scheduler's informers drop them too).
 *
 * Readers get well-typed objects: one stored before write validation with a wrong-typed field
 * (`containers: 5`, `labels: "x"`) is handed on as a copy without it (readableCopy), so a
 * controller that reads many objects for one key (a service's pods, a namespace's quota)
 * never fails that key because of another object; the object's own reconcile still learns
 * what was wrong (controllers/framework/readable.ts) and fails with back-off.
 */
import type { ListWatch, ListWatchEvent, ListedObjects } from "../../client/list-watch.ts";
import { StatusError } from "../../model/errors.ts";
import { readableCopy, trustedObjectMeta } from "../openapi/stored-shape.ts";
import type { KubeObject } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { ObjectStorage } from "./object-storage.ts";

export interface StorageListWatchOptions {
  /** Only the objects of that name, in every namespace (the others are never parsed). */
  name?: string;
  /**
   * "metadata": each object as its type and metadata alone (Kubernetes' metadata-only
   * informers, PartialObjectMetadata): for a reader of metadata only (the garbage collector),
   * which would otherwise hold every ConfigMap's and Secret's data. "part": whole objects, of
   * which the reader keeps a part (it makes its own from each). Default "whole": the reader
   * keeps them whole, so a list shares the store's one parse of each object with the other
   * informers of the kind (ObjectStorage.listWithoutManagedFields); the other views take
   * theirs apart, lest the store keep whole objects no reader holds.
   */
  view?: "whole" | "metadata" | "part";
}

export class StorageListWatch implements ListWatch {
  readonly description: string;
  private readonly name?: string;
  private readonly readable: (obj: KubeObject) => KubeObject;
  private readonly keepsWhole: boolean;

  constructor(
    private readonly storage: ObjectStorage,
    readonly def: ResourceDef,
    options: StorageListWatchOptions = {},
  ) {
    this.name = options.name;
    this.readable = options.view === "metadata" ? metadataView : readableCopy;
    this.keepsWhole = (options.view ?? "whole") === "whole";
    const resource = def.group ? `${def.plural}.${def.group}` : def.plural;
    this.description = `${resource}${options.name === undefined ? "" : ` named ${options.name}`}${options.view === "metadata" ? " (metadata)" : ""}`;
  }

  async list(): Promise<ListedObjects> {
    const list = await this.storage.listWithoutManagedFields(this.def, undefined, { name: this.name }, this.keepsWhole);
    return { items: list.items.map(this.readable), resourceVersion: String(list.metadata.resourceVersion) };
  }

  /** Runs until signal aborts: the store ends a watch for nothing else. */
  watch(resourceVersion: string, signal: AbortSignal, onEvent: (event: ListWatchEvent) => void): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    const watching = this.storage.watch(this.def, undefined, { fromRevision: Number(resourceVersion), signal, name: this.name }, (ev) => {
      onEvent({ type: ev.type, object: this.readable(ev.slimObject) });
    });
    if (watching instanceof StatusError) return Promise.reject(watching); // 410: the informer relists
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
}

/**
 * The object's type and metadata (the object comes without managedFields), its metadata's
 * wrong-typed fields left out (readers act on ownerReferences and finalizers). A new object:
 * the event's is shared.
 */
export function metadataView(obj: KubeObject): KubeObject {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: trustedObjectMeta(obj.metadata ?? {}) as KubeObject["metadata"] };
}

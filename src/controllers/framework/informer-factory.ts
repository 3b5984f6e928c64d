/**
 * The informers controllers and the scheduler share inside the server: one list + watch per
 * resource over the server's storage (api/storage/list-watch.ts), whatever the number of
 * readers, made and started on first use. Cached objects carry no managedFields: controllers
 * never read them, and a write only changes them through the API's field manager.
 */
import { Informer } from "../../client/informer.ts";
import { SlimListWatch, withoutManagedFields } from "../../client/slim-list-watch.ts";
import { StorageListWatch } from "../../api/storage/list-watch.ts";
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import type { KubeObject } from "../../model/object.ts";

/** An informer over one served resource; `def` is what writes through ObjectStorage need. */
export interface SharedInformer<T extends KubeObject = KubeObject> extends Informer<T> {
  readonly def: ResourceDef;
}

export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer>();

  constructor(
    private readonly storage: ObjectStorage,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * The informer for a resource, started (await `.start(signal)` again to wait for its sync).
   * `T` is the kind the resource serves, e.g. `for<Pod>(podsDef)`.
   */
  for<T extends KubeObject = KubeObject>(def: ResourceDef): SharedInformer<T> {
    const id = `${def.plural}.${def.group}`;
    let inf = this.informers.get(id);
    if (!inf) {
      inf = Object.assign(new Informer(new SlimListWatch(new StorageListWatch(this.storage, def), withoutManagedFields)), { def });
      this.informers.set(id, inf);
      void inf.start(this.signal);
    }
    // One informer per resource for every reader; T is the reader's name for the kind it serves.
    return inf as unknown as SharedInformer<T>;
  }
}

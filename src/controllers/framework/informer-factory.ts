/**
 * The informers controllers and the scheduler share inside the server: one list + watch per
 * resource and view (whole objects, metadata only, or one name's objects) over the server's
 * storage (api/storage/list-watch.ts), whatever the number of readers, made and started on
 * first use. Cached objects carry no managedFields (StorageListWatch leaves them out):
 * controllers never read them, and a write only changes them through the API's field manager.
 */
import { Informer } from "../../client/informer.ts";
import { StorageListWatch, type StorageListWatchOptions } from "../../api/storage/list-watch.ts";
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
    return this.make<T>(def);
  }

  /**
   * An informer of only the objects called `name`, in every namespace: for a controller that
   * keeps one well-known object per namespace (kube-root-ca.crt), which would otherwise hold,
   * and be told of, every object of the kind.
   */
  named<T extends KubeObject = KubeObject>(def: ResourceDef, name: string): SharedInformer<T> {
    return this.make<T>(def, { name });
  }

  /**
   * An informer of every object's type and metadata only (StorageListWatch's "metadata" view),
   * as Kubernetes' garbage collector keeps them: a reader of metadata that watches every kind
   * then holds no ConfigMap's or Secret's data. Objects a whole-object informer also holds share
   * their labels, annotations and owner references with it (the store parses each event once).
   */
  metadata(def: ResourceDef): SharedInformer<KubeObject> {
    return this.make(def, { view: "metadata" });
  }

  private make<T extends KubeObject>(def: ResourceDef, options: StorageListWatchOptions = {}): SharedInformer<T> {
    const id = `${def.plural}.${def.group}/${options.name ?? ""}/${options.view ?? "whole"}`;
    let inf = this.informers.get(id);
    if (!inf) {
      inf = Object.assign(new Informer(new StorageListWatch(this.storage, def, options)), { def });
      this.informers.set(id, inf);
      void inf.start(this.signal);
    }
    // One informer per resource for every reader; T is the reader's name for the kind it serves.
    return inf as unknown as SharedInformer<T>;
  }
}

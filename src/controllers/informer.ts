/**
 * An informer over the store for controllers running inside the server: list + watch one
 * resource into a Map cache, then tell the handler what changed. The watch resumes from the
 * list's revision, so nothing between the two is missed. Handlers only enqueue keys.
 */
import type { KubeObject } from "../model/object.ts";
import type { ObjectStorage } from "../api/storage/object-storage.ts";
import type { ResourceDef } from "../api/resources/types.ts";
import { listPrefix } from "../api/storage/keys.ts";

export interface InformerHandler {
  onChange(obj: KubeObject, old: KubeObject | undefined): void;
  onDelete(obj: KubeObject): void;
}

export class Informer {
  readonly cache = new Map<string, KubeObject>();
  private synced: Promise<void> | undefined;

  constructor(
    private readonly storage: ObjectStorage,
    private readonly def: ResourceDef,
    private readonly handler: InformerHandler,
  ) {}

  static keyOf(obj: KubeObject): string {
    return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
  }

  /** Resolves once the cache holds the initial list. */
  start(signal: AbortSignal): Promise<void> {
    this.synced ??= (async () => {
      const list = await this.storage.list(this.def, undefined);
      for (const obj of list.items) {
        this.cache.set(Informer.keyOf(obj), obj);
        this.handler.onChange(obj, undefined);
      }
      this.storage.store.watch(listPrefix(this.def), { fromRevision: Number(list.metadata.resourceVersion), signal }, (ev) => {
        const key = Informer.keyOf(ev.object);
        if (ev.type === "DELETED") {
          this.cache.delete(key);
          this.handler.onDelete(ev.object);
        } else {
          const old = this.cache.get(key);
          this.cache.set(key, ev.object);
          this.handler.onChange(ev.object, old);
        }
      });
    })();
    return this.synced;
  }
}

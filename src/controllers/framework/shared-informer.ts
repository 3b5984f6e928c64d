/**
 * A shared informer over the store for controllers running inside the server: one list +
 * watch per resource, whatever the number of controllers that read it, kept in a Map cache
 * with indexes by namespace and by owner uid (what ReplicaSet, Deployment, Job, DaemonSet,
 * StatefulSet and the garbage collector ask). The watch resumes from the list's revision,
 * so nothing between the two is missed; if the store answers 410 (history compacted) the
 * informer relists and tells its handlers what changed in between.
 *
 * The store publishes a commit to watchers before the write's promise resolves, so a
 * controller that awaited its own write already sees it here (no "expectations" needed).
 * Cached objects are shared with every handler: never mutate them.
 *
 * Readers get well-typed objects: one stored before write validation with a wrong-typed
 * field (`containers: 5`, `labels: "x"`) is cached as a copy without it (readableCopy), so a
 * controller that reads many objects for one key (a service's pods, a namespace's quota)
 * never fails that key because of another object; the object's own reconcile still learns
 * what was wrong (framework/readable.ts) and fails with back-off.
 */
import { readableCopy } from "../../api/openapi/stored-shape.ts";
import { ownerReferencesOf } from "../../model/owner-references.ts";
import type { KubeObject } from "../../model/object.ts";
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import { listPrefix } from "../../api/storage/keys.ts";
import { StoreError } from "../../store/types.ts";
import { log } from "../../log.ts";

export interface InformerHandler {
  /** Added (old undefined) or modified. */
  onChange?(obj: KubeObject, old: KubeObject | undefined): void;
  onDelete?(obj: KubeObject): void;
}

/** `namespace/name`, or `name` for cluster-scoped objects — the work-queue key everywhere. */
export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class SharedInformer {
  readonly cache = new Map<string, KubeObject>();
  private readonly handlers: InformerHandler[] = [];
  private readonly byNs = new Map<string, Set<string>>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly custom = new Map<string, { fn: (obj: KubeObject) => string[]; map: Map<string, Set<string>> }>();
  private started: Promise<void> | undefined;

  constructor(
    private readonly storage: ObjectStorage,
    readonly def: ResourceDef,
  ) {}

  /** Handlers added after the start are told about every cached object first. */
  addHandler(h: InformerHandler): void {
    this.handlers.push(h);
    if (this.started) for (const obj of this.cache.values()) h.onChange?.(obj, undefined);
  }

  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  /** Objects in one namespace (all when namespace is undefined). */
  list(namespace?: string): KubeObject[] {
    if (namespace === undefined) return [...this.cache.values()];
    return [...(this.byNs.get(namespace) ?? [])].map((k) => this.cache.get(k)!);
  }

  /** Objects with an ownerReference to this uid (controller or not). */
  ownedBy(uid: string): KubeObject[] {
    return [...(this.byOwner.get(uid) ?? [])].map((k) => this.cache.get(k)!).filter(Boolean);
  }

  /**
   * Adds a named index (e.g. pods by spec.nodeName) kept as objects come and go. Adding the
   * same name again keeps the first; controllers sharing an informer may all ask for it.
   */
  addIndex(name: string, fn: (obj: KubeObject) => string[]): void {
    if (this.custom.has(name)) return;
    const map = new Map<string, Set<string>>();
    this.custom.set(name, { fn, map });
    for (const [key, obj] of this.cache) for (const v of this.indexValues(fn, obj)) addTo(map, v, key);
  }

  /** Objects whose index `name` holds `value`. */
  byIndex(name: string, value: string): KubeObject[] {
    return [...(this.custom.get(name)?.map.get(value) ?? [])].map((k) => this.cache.get(k)!).filter(Boolean);
  }

  /** Resolves once the cache holds the initial list. */
  start(signal: AbortSignal): Promise<void> {
    this.started ??= this.run(signal);
    return this.started;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const revision = await this.relist();
    this.watchFrom(revision, signal);
  }

  private watchFrom(revision: number, signal: AbortSignal): void {
    if (signal.aborted) return;
    let last = revision;
    try {
      this.storage.store.watch(listPrefix(this.def), { fromRevision: revision, signal }, (ev) => {
        last = ev.revision;
        if (ev.type === "DELETED") this.remove(ev.object);
        else this.put(ev.object);
      });
    } catch (e) {
      if (!(e instanceof StoreError && e.code === "Compacted")) throw e;
      log.info("informer relists after compaction", { resource: this.def.plural, revision: last });
      void this.relist().then((r) => this.watchFrom(r, signal));
    }
  }

  /** Lists into the cache; objects gone since the last list are reported deleted. */
  private async relist(): Promise<number> {
    const list = await this.storage.list(this.def, undefined);
    const seen = new Set<string>();
    for (const obj of list.items) {
      seen.add(keyOf(obj));
      this.put(obj);
    }
    for (const [key, obj] of this.cache) if (!seen.has(key)) this.remove(obj);
    return Number(list.metadata.resourceVersion);
  }

  private put(stored: KubeObject): void {
    const key = keyOf(stored);
    const old = this.cache.get(key);
    if (old && old.metadata.resourceVersion === stored.metadata.resourceVersion) return;
    const obj = readableCopy(stored);
    if (old) this.unindex(key, old);
    this.cache.set(key, obj);
    this.index(key, obj);
    for (const h of this.handlers) this.tell(obj, () => h.onChange?.(obj, old));
  }

  private remove(stored: KubeObject): void {
    const key = keyOf(stored);
    const old = this.cache.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.cache.delete(key);
    const obj = readableCopy(stored);
    for (const h of this.handlers) this.tell(obj, () => h.onDelete?.(obj));
  }

  /**
   * Handlers and indexes meet objects stored before write validation (`labels: "x"`,
   * `ownerReferences: 5`): one that throws on such an object is logged and skipped, so every
   * other handler still hears of it and the watch (called from the store's commit path) goes on.
   */
  private tell(obj: KubeObject, call: () => void): void {
    try {
      call();
    } catch (e) {
      log.warn("informer: a handler failed on an object", { resource: this.def.plural, object: describe(obj), error: String(e) });
    }
  }

  private indexValues(fn: (obj: KubeObject) => string[], obj: KubeObject): string[] {
    try {
      const values = fn(obj);
      return Array.isArray(values) ? values.filter((v) => typeof v === "string") : [];
    } catch (e) {
      log.warn("informer: an index failed on an object", { resource: this.def.plural, object: describe(obj), error: String(e) });
      return [];
    }
  }

  private index(key: string, obj: KubeObject): void {
    const ns = obj.metadata.namespace;
    if (ns) addTo(this.byNs, ns, key);
    for (const uid of ownerUids(obj)) addTo(this.byOwner, uid, key);
    for (const { fn, map } of this.custom.values()) for (const v of this.indexValues(fn, obj)) addTo(map, v, key);
  }

  private unindex(key: string, obj: KubeObject): void {
    const ns = obj.metadata.namespace;
    if (ns) removeFrom(this.byNs, ns, key);
    for (const uid of ownerUids(obj)) removeFrom(this.byOwner, uid, key);
    for (const { fn, map } of this.custom.values()) for (const v of this.indexValues(fn, obj)) removeFrom(map, v, key);
  }
}

function describe(obj: KubeObject): string {
  const m = obj.metadata;
  return m?.namespace ? `${m.namespace}/${m.name}` : String(m?.name);
}

function ownerUids(obj: KubeObject): string[] {
  return ownerReferencesOf(obj).map((r) => r.uid);
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let s = index.get(value);
  if (!s) index.set(value, (s = new Set()));
  s.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const s = index.get(value);
  s?.delete(key);
  if (s?.size === 0) index.delete(value);
}

/** One SharedInformer per resource, made on first use. */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer>();

  constructor(
    private readonly storage: ObjectStorage,
    private readonly signal: AbortSignal,
  ) {}

  /** The informer for a resource, started (await `.start()` again to wait for its sync). */
  for(def: ResourceDef): SharedInformer {
    const id = `${def.plural}.${def.group}`;
    let inf = this.informers.get(id);
    if (!inf) {
      inf = new SharedInformer(this.storage, def);
      this.informers.set(id, inf);
      void inf.start(this.signal);
    }
    return inf;
  }
}

/**
 * An informer (client-go's SharedIndexInformer): list + watch one collection from a ListWatch
 * source into a Map cache, with indexes by namespace, by owner uid and any the readers add,
 * and handlers told of every add, update and delete. One implementation for every reader: the
 * controllers and the scheduler over the server's storage, the agent over the REST API.
 *
 * - The watch resumes from the list's version, so nothing between the two is missed, and
 *   from the last version seen when it ends (a server-side timeout).
 * - On 410 Gone (the version left the source's history) it relists and tells its handlers
 *   what changed in between: changed objects as updates, vanished ones as deletes.
 * - When the source fails (the server is away: an agent outlives server restarts) it retries
 *   with exponential back-off; `start` resolves once the first list is in the cache.
 * - A handler or an index that throws on one object (a shape stored before validation) is
 *   logged and skipped: every other handler still hears of it and the watch goes on.
 * - A handler added after the start is told about every cached object first.
 *
 * Cached objects are shared with every handler and reader: never mutate them.
 *
 * @example
 *   const pods = new Informer(new RestListWatch(client, { path: "/api/v1/pods" }));
 *   pods.addHandler({ onChange: (p) => queue.add(keyOf(p)), onDelete: (p) => queue.add(keyOf(p)) });
 *   await pods.start(signal);
 *   pods.list("default");
 */
import type { KubeObject } from "../model/object.ts";
import { isStatusError } from "../model/errors.ts";
import { ownerReferencesOf } from "../model/owner-references.ts";
import { sleep } from "../lib/sleep.ts";
import { log } from "../log.ts";
import type { ListWatch, ListWatchEvent } from "./list-watch.ts";
import { keyOf } from "./object-key.ts";

export interface InformerHandler<T extends KubeObject = KubeObject> {
  /** Added (old undefined) or modified. */
  onChange?(obj: T, old: T | undefined): void;
  onDelete?(obj: T): void;
  /** After each (re)list, once the cache matches the source. */
  onSynced?(): void;
}

export interface InformerOptions {
  /** Back-off after a failed list or watch: base × 2^(failures-1) ms, capped. Default 200 ms, 10 s. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How back-off waits; a test hands in a fake clock's. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Also told of each failure (a list, a watch, a handler); the informer logs them itself. */
  onError?(e: unknown): void;
}

/**
 * `T` names the kind the source serves (`Informer<Pod>`): the cache holds what the API
 * stored, so objects are taken as that kind where they come in, and only there.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly byNs = new Map<string, Set<string>>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly custom = new Map<string, { fn: (obj: T) => string[]; map: Map<string, Set<string>> }>();
  private started: Promise<void> | undefined;
  private synced = false;
  private resolveFirstSync!: () => void;
  private readonly firstSync = new Promise<void>((r) => (this.resolveFirstSync = r));

  constructor(
    readonly source: ListWatch,
    private readonly o: InformerOptions = {},
  ) {}

  /** Handlers added after the start are told about every cached object first. Returns a remover. */
  addHandler(h: InformerHandler<T>): () => void {
    this.handlers.push(h);
    if (this.started) {
      for (const obj of this.cache.values()) this.tell(obj, () => h.onChange?.(obj, undefined));
      if (this.synced) this.tell(undefined, () => h.onSynced?.());
    }
    return () => {
      const i = this.handlers.indexOf(h);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** Whether the cache has held a complete list once. */
  get hasSynced(): boolean {
    return this.synced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Objects in one namespace (all when namespace is undefined). */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.cache.values()];
    return this.lookup(this.byNs.get(namespace));
  }

  /** Objects with an ownerReference to this uid (controller or not). */
  ownedBy(uid: string): T[] {
    return this.lookup(this.byOwner.get(uid));
  }

  /**
   * Adds a named index (e.g. pods by spec.nodeName) kept as objects come and go. Adding the
   * same name again keeps the first; readers sharing an informer may all ask for it.
   */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    if (this.custom.has(name)) return;
    const map = new Map<string, Set<string>>();
    this.custom.set(name, { fn, map });
    for (const [key, obj] of this.cache) for (const v of this.indexValues(fn, obj)) addTo(map, v, key);
  }

  /** Objects whose index `name` holds `value`. */
  byIndex(name: string, value: string): T[] {
    return this.lookup(this.custom.get(name)?.map.get(value));
  }

  /**
   * Starts list + watch until signal aborts (once; later calls return the same promise).
   * Resolves when the cache first holds the whole list, or when signal aborts before that.
   */
  start(signal: AbortSignal): Promise<void> {
    if (!this.started) {
      this.started = this.firstSync;
      void this.run(signal).finally(() => this.resolveFirstSync());
    }
    return this.started;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let rv: string | undefined;
    let failures = 0;
    let eventsSinceList = 0;
    // Reset by a watch event or a watch that ends in the ordinary way, not by a list alone:
    // a source whose watches fail right after each list still backs off further each time.
    const onEvent = (ev: ListWatchEvent) => {
      failures = 0;
      eventsSinceList++;
      rv = ev.object?.metadata?.resourceVersion ?? rv;
      if (ev.type === "BOOKMARK") return;
      if (ev.type === "DELETED") this.remove(ev.object as T);
      else this.put(ev.object as T);
    };
    while (!signal.aborted) {
      try {
        if (rv === undefined) {
          rv = await this.relist(signal);
          eventsSinceList = 0;
        }
        const watching = this.source.watch(rv, signal, onEvent);
        // Resolved once the watch is subscribed: a source inside the server subscribes in the
        // call, so a controller's write after `await start()` always reaches this cache.
        this.resolveFirstSync();
        await watching;
        failures = 0; // a watch that ran its course: the source is healthy
      } catch (e) {
        if (signal.aborted) return;
        const gone = isStatusError(e, "Gone") || isStatusError(e, "Expired");
        if (gone) {
          log.info("informer relists: the version it watched from is gone", { informer: this.source.description, resourceVersion: rv });
          rv = undefined;
          // Gone again straight after a list is a source in trouble, not history moving on.
          if (eventsSinceList > 0) continue;
        } else {
          this.report("informer: list or watch failed, retrying", e);
        }
        failures++;
        await (this.o.sleep ?? sleep)(this.backoffMs(failures), signal);
      }
    }
  }

  /** Lists into the cache; objects gone since the last list are reported deleted. */
  private async relist(signal: AbortSignal): Promise<string> {
    const list = await this.source.list(signal);
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = this.keyOrReport(obj);
      if (key === undefined) continue;
      seen.add(key);
      this.put(obj as T);
    }
    for (const [key, obj] of this.cache) if (!seen.has(key)) this.remove(obj);
    this.synced = true;
    for (const h of [...this.handlers]) this.tell(undefined, () => h.onSynced?.());
    return list.resourceVersion;
  }

  private put(obj: T): void {
    const key = this.keyOrReport(obj);
    if (key === undefined) return;
    const old = this.cache.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    if (old) this.unindex(key, old);
    this.cache.set(key, obj);
    this.index(key, obj);
    for (const h of [...this.handlers]) this.tell(obj, () => h.onChange?.(obj, old));
  }

  /** Drops the cached object; handlers get `obj`, the last state the source told of. */
  private remove(obj: T): void {
    const key = this.keyOrReport(obj);
    if (key === undefined) return;
    const old = this.cache.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.cache.delete(key);
    for (const h of [...this.handlers]) this.tell(obj, () => h.onDelete?.(obj));
  }

  /** An object without a readable name has no key: it is reported and left out of the cache. */
  private keyOrReport(obj: KubeObject): string | undefined {
    const m = obj?.metadata;
    if (m && typeof m.name === "string" && m.name && (m.namespace === undefined || typeof m.namespace === "string")) return keyOf(obj);
    this.report("informer: an object without a readable name is left out", new TypeError(`metadata: ${JSON.stringify(m)?.slice(0, 200)}`));
    return undefined;
  }

  private tell(obj: T | undefined, call: () => void): void {
    try {
      call();
    } catch (e) {
      this.report("informer: a handler failed on an object", e, obj);
    }
  }

  private indexValues(fn: (obj: T) => string[], obj: T): string[] {
    try {
      const values = fn(obj);
      return Array.isArray(values) ? values.filter((v) => typeof v === "string") : [];
    } catch (e) {
      this.report("informer: an index failed on an object", e, obj);
      return [];
    }
  }

  private report(message: string, error: unknown, obj?: KubeObject): void {
    log.warn(message, { informer: this.source.description, ...(obj ? { object: describe(obj) } : {}), error: String(error) });
    try {
      this.o.onError?.(error);
    } catch {}
  }

  private backoffMs(failures: number): number {
    return Math.min(this.o.maxBackoffMs ?? 10_000, (this.o.baseBackoffMs ?? 200) * 2 ** Math.min(failures - 1, 30));
  }

  private lookup(keys: Set<string> | undefined): T[] {
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.cache.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  private index(key: string, obj: T): void {
    const ns = obj.metadata.namespace;
    if (ns) addTo(this.byNs, ns, key);
    for (const r of ownerReferencesOf(obj)) addTo(this.byOwner, r.uid, key);
    for (const { fn, map } of this.custom.values()) for (const v of this.indexValues(fn, obj)) addTo(map, v, key);
  }

  private unindex(key: string, obj: T): void {
    const ns = obj.metadata.namespace;
    if (ns) removeFrom(this.byNs, ns, key);
    for (const r of ownerReferencesOf(obj)) removeFrom(this.byOwner, r.uid, key);
    for (const { fn, map } of this.custom.values()) for (const v of this.indexValues(fn, obj)) removeFrom(map, v, key);
  }
}

function describe(obj: KubeObject): string {
  const m = obj.metadata;
  return m?.namespace ? `${m.namespace}/${m.name}` : String(m?.name);
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

/**
 * Watch fan-out and the event history that watches resume from.
 *
 * History lives in memory as JSON strings (not parsed objects): a string is ~3× smaller
 * than its parsed form in JavaScriptCore, and the store hands the very string instance it
 * caches for the key, so an event usually costs no extra memory while its key is unchanged.
 * Events are parsed once per commit for live watchers (shared by all of them: listeners must
 * not mutate) and once per watcher when replayed, each object only when a listener reads it.
 *
 * History is bounded by count and by size. Without the size bound a client rewriting one
 * 1 MB ConfigMap grew the server by 1 MB per write until the count bound (measured: +386 MB
 * heap after 400 updates, at 124 updates/s from one client). The size is counted in string
 * length (JSON of ASCII text is one byte per character in JavaScriptCore) and counts each
 * string once: an update's `prev` is the very string its key's previous event holds as
 * `value` while that event is retained, so it is charged there; when that event is dropped,
 * its value's charge passes to the event whose `prev` keeps it alive.
 *
 * Revision bookkeeping: every event with revision > `horizon` is retained. The horizon rises
 * when the ring drops its oldest event, on compact(), and starts at the store's revision when
 * it opens (history does not survive a restart).
 */
import { StoreError, type WatchEvent, type WatchEventType, type WatchIndex, type WatchRoute } from "./types.ts";
import { keyHasName } from "./key-name.ts";
import { parseWithoutManagedFields, SPAN_UNKNOWN, type ManagedFieldsSpan } from "../model/managed-fields.ts";
import type { KubeObject } from "../model/object.ts";

/** One committed change, as kept in history. */
export interface HistoryEvent {
  type: WatchEventType;
  key: string;
  revision: number;
  /** JSON of the object after the write (for DELETED, the last state with the delete's resourceVersion). */
  value: string;
  /** Where `value` holds metadata.managedFields, when known. */
  valueSpan?: ManagedFieldsSpan;
  /** JSON of the object before the write (absent for ADDED). */
  prev?: string;
  /** Revision of `prev` (absent for ADDED). */
  prevRevision?: number;
  /** Where `prev` holds metadata.managedFields, when known. */
  prevSpan?: ManagedFieldsSpan;
}

/** A key's value at some past revision; null: the key did not exist then. */
export type PastValue = { revision: number; value: string; span: ManagedFieldsSpan } | null;

interface Watcher {
  prefix: string;
  listener: (event: WatchEvent) => void;
  /** Events waiting while the history replay is scheduled; undefined once live. */
  backlog?: HistoryEvent[];
  route?: WatchRoute;
  /** Only events of objects of this name (WatchOptions.name). */
  name?: string;
}

export interface WatchHubOptions {
  historyLimit: number;
  /** Characters of JSON the history may hold (see above); the oldest events go first. Default: no bound. */
  historyBytes?: number;
  /** Revision of the store when the hub starts; nothing at or below it can be replayed. */
  startRevision: number;
  /** Called when a listener throws (a broken contract); defaults to console.error. */
  onListenerError?: (error: unknown, event: WatchEvent) => void;
}

export class WatchHub {
  private readonly limit: number;
  private readonly ring: (HistoryEvent | undefined)[];
  /** Per ring slot: the characters charged to that event. */
  private readonly charge: Float64Array;
  /** Per ring slot: the slot of the later event whose `prev` is this event's value, or -1. */
  private readonly heir: Int32Array;
  /** Each key's newest retained event, by ring slot. */
  private readonly newest = new Map<string, number>();
  private readonly maxBytes: number;
  private bytes = 0;
  private head = 0; // index of the oldest retained event
  private count = 0;
  private horizonRevision: number;
  private readonly watchers = new Set<Watcher>();
  /** Watchers without a route: every event under their prefix is offered to them. */
  private readonly unrouted = new Set<Watcher>();
  /**
   * Routed watchers by prefix, then index, then value: an event is offered to those of its
   * object's value and its previous state's. By prefix first, so that an event no routed
   * watcher's prefix holds (a Lease, when the routed watchers watch pods) is not parsed for them.
   */
  private readonly routes = new Map<string, Map<WatchIndex, Map<string, Set<Watcher>>>>();
  private readonly onListenerError: (error: unknown, event: WatchEvent) => void;

  constructor(options: WatchHubOptions) {
    this.limit = Math.max(0, Math.floor(options.historyLimit));
    this.ring = new Array(this.limit);
    this.charge = new Float64Array(this.limit);
    this.heir = new Int32Array(this.limit).fill(-1);
    this.maxBytes = options.historyBytes ?? Infinity;
    this.horizonRevision = options.startRevision;
    this.onListenerError = options.onListenerError ?? ((error, event) => console.error(`store: watch listener threw on ${event.type} ${event.key}@${event.revision}`, error));
  }

  /** Oldest revision a watch can resume from. */
  get horizon(): number {
    return this.horizonRevision;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Events retained, and the characters of JSON they hold. */
  get retained(): { events: number; bytes: number } {
    return { events: this.count, bytes: this.bytes };
  }

  /**
   * Subscribes to events under prefix with revision > fromRevision. Retained history is
   * delivered on a microtask, so the caller holds its unsubscribe function before the first
   * call; live events that commit meanwhile queue behind it.
   */
  watch(prefix: string, fromRevision: number, listener: (event: WatchEvent) => void, options: { signal?: AbortSignal; route?: WatchRoute; name?: string } = {}): () => void {
    const { signal, route, name } = options;
    if (fromRevision < this.horizonRevision) {
      throw new StoreError("Compacted", prefix, `revision ${fromRevision} is older than the retained history (${this.horizonRevision})`);
    }
    if (signal?.aborted) return () => {};
    const watcher: Watcher = { prefix, listener, backlog: this.since(prefix, fromRevision, name), route, name };
    this.add(watcher);
    queueMicrotask(() => {
      // Drain until empty: a listener may be handed more backlog while it runs.
      while (watcher.backlog && watcher.backlog.length > 0 && this.watchers.has(watcher)) {
        const batch = watcher.backlog;
        watcher.backlog = [];
        for (const e of batch) {
          if (!this.watchers.has(watcher)) break;
          this.deliver(watcher, materialize(e));
        }
      }
      watcher.backlog = undefined;
    });
    const unsubscribe = () => {
      this.remove(watcher);
      signal?.removeEventListener("abort", unsubscribe);
    };
    signal?.addEventListener("abort", unsubscribe, { once: true });
    return unsubscribe;
  }

  /** Records committed events (in revision order) and pushes them to live watchers. */
  publish(events: HistoryEvent[]): void {
    for (const e of events) this.remember(e);
    if (this.watchers.size === 0) return;
    for (const e of events) {
      let parsed: WatchEvent | undefined;
      for (const w of this.unrouted) parsed = this.offer(w, e, parsed);
      for (const [prefix, byIndex] of this.routes) {
        if (!e.key.startsWith(prefix)) continue;
        for (const [index, byValue] of byIndex) {
          parsed ??= materialize(e);
          // An index reads metadata and spec: objects without managedFields parse cheaper.
          const now = valueOf(index, parsed.slimObject);
          const before = e.prev !== undefined ? valueOf(index, parsed.prevSlimObject!) : undefined;
          if (now !== undefined) for (const w of byValue.get(now) ?? NONE) parsed = this.offer(w, e, parsed);
          if (before !== undefined && before !== now) for (const w of byValue.get(before) ?? NONE) parsed = this.offer(w, e, parsed);
        }
      }
    }
  }

  /** `e` to `w` if under its prefix (queued while its replay is pending); returns the event parsed, if it was. */
  private offer(w: Watcher, e: HistoryEvent, parsed: WatchEvent | undefined): WatchEvent | undefined {
    if (!e.key.startsWith(w.prefix) || (w.name !== undefined && !keyHasName(e.key, w.name))) return parsed;
    if (w.backlog) {
      w.backlog.push(e);
      return parsed;
    }
    parsed ??= materialize(e);
    this.deliver(w, parsed);
    return parsed;
  }

  private add(w: Watcher): void {
    this.watchers.add(w);
    if (!w.route) return void this.unrouted.add(w);
    let byIndex = this.routes.get(w.prefix);
    if (!byIndex) this.routes.set(w.prefix, (byIndex = new Map()));
    let byValue = byIndex.get(w.route.index);
    if (!byValue) byIndex.set(w.route.index, (byValue = new Map()));
    let set = byValue.get(w.route.value);
    if (!set) byValue.set(w.route.value, (set = new Set()));
    set.add(w);
  }

  private remove(w: Watcher): void {
    if (!this.watchers.delete(w)) return;
    if (!w.route) return void this.unrouted.delete(w);
    const byIndex = this.routes.get(w.prefix);
    const byValue = byIndex?.get(w.route.index);
    const set = byValue?.get(w.route.value);
    if (!byIndex || !byValue || !set) return;
    set.delete(w);
    if (set.size === 0) byValue.delete(w.route.value);
    if (byValue.size === 0) byIndex.delete(w.route.index);
    if (byIndex.size === 0) this.routes.delete(w.prefix);
  }

  /** Drops history at or below revision (never above `upTo`, the store's current revision). */
  compact(revision: number, upTo: number): void {
    const target = Math.min(revision, upTo);
    while (this.count > 0 && this.ring[this.head]!.revision <= target) this.dropOldest();
    if (target > this.horizonRevision) this.horizonRevision = target;
  }

  /**
   * What changed under prefix after `revision`, undone: for each such key its value at
   * `revision` (the state before its first later event). Together with the current state this
   * gives the state at `revision`. Fails with Compacted when history does not reach back.
   */
  valuesAt(prefix: string, revision: number): Map<string, PastValue> {
    if (revision < this.horizonRevision) {
      throw new StoreError("Compacted", prefix, `revision ${revision} is older than the retained history (${this.horizonRevision})`);
    }
    const out = new Map<string, PastValue>();
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(this.head + i) % this.limit]!;
      if (e.revision <= revision || !e.key.startsWith(prefix) || out.has(e.key)) continue;
      out.set(e.key, e.prev === undefined ? null : { revision: e.prevRevision!, value: e.prev, span: e.prevSpan ?? SPAN_UNKNOWN });
    }
    return out;
  }

  /** Forgets every watcher (on close). */
  clear(): void {
    this.watchers.clear();
    this.unrouted.clear();
    this.routes.clear();
  }

  private remember(e: HistoryEvent): void {
    if (this.limit === 0) {
      this.horizonRevision = e.revision;
      return;
    }
    if (this.count === this.limit) this.dropOldest();
    const slot = (this.head + this.count) % this.limit;
    let charge = e.value.length;
    if (e.prev !== undefined) {
      const before = this.newest.get(e.key);
      if (before !== undefined && this.ring[before]!.value === e.prev) this.heir[before] = slot;
      else charge += e.prev.length;
    }
    this.ring[slot] = e;
    this.charge[slot] = charge;
    this.heir[slot] = -1;
    this.newest.set(e.key, slot);
    this.bytes += charge;
    this.count++;
    // One event is at most two objects of the store's size limit: the newest always stays.
    while (this.bytes > this.maxBytes && this.count > 1) this.dropOldest();
  }

  private dropOldest(): void {
    const slot = this.head;
    const e = this.ring[slot]!;
    this.ring[slot] = undefined;
    this.head = (this.head + 1) % this.limit;
    this.count--;
    const heir = this.heir[slot]!;
    if (heir >= 0) {
      // The value lives on as the heir's `prev`: the heir carries its cost now.
      this.charge[heir] += e.value.length;
      this.bytes -= this.charge[slot]! - e.value.length;
    } else {
      this.bytes -= this.charge[slot]!;
    }
    if (this.newest.get(e.key) === slot) this.newest.delete(e.key);
    if (e.revision > this.horizonRevision) this.horizonRevision = e.revision;
  }

  private since(prefix: string, fromRevision: number, name?: string): HistoryEvent[] {
    const out: HistoryEvent[] = [];
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(this.head + i) % this.limit]!;
      if (e.revision > fromRevision && e.key.startsWith(prefix) && (name === undefined || keyHasName(e.key, name))) out.push(e);
    }
    return out;
  }

  private deliver(w: Watcher, event: WatchEvent): void {
    try {
      w.listener(event);
    } catch (error) {
      this.onListenerError(error, event);
    }
  }
}

const NONE: ReadonlySet<Watcher> = new Set();

/** The index's value of an object; an object the index cannot read (stored before validation) has none. */
function valueOf(index: WatchIndex, obj: WatchEvent["object"]): string | undefined {
  try {
    return index.of(obj);
  } catch {
    return undefined;
  }
}

function materialize(e: HistoryEvent): WatchEvent {
  return new ParsedEvent(e);
}

/** A history event as listeners get it: each of its objects parsed once, on first read. */
class ParsedEvent implements WatchEvent {
  readonly type: WatchEventType;
  readonly key: string;
  readonly revision: number;
  readonly json: string;
  #object: KubeObject | undefined;
  #prevObject: KubeObject | undefined;
  #slimObject: KubeObject | undefined;
  #prevSlimObject: KubeObject | undefined;

  constructor(private readonly e: HistoryEvent) {
    this.type = e.type;
    this.key = e.key;
    this.revision = e.revision;
    this.json = e.value;
  }

  get object(): KubeObject {
    return (this.#object ??= JSON.parse(this.e.value));
  }

  get prevObject(): KubeObject | undefined {
    return this.e.prev === undefined ? undefined : (this.#prevObject ??= JSON.parse(this.e.prev));
  }

  get slimObject(): KubeObject {
    return (this.#slimObject ??= parseWithoutManagedFields<KubeObject>(this.e.value, this.e.valueSpan));
  }

  get prevSlimObject(): KubeObject | undefined {
    return this.e.prev === undefined ? undefined : (this.#prevSlimObject ??= parseWithoutManagedFields<KubeObject>(this.e.prev, this.e.prevSpan));
  }
}

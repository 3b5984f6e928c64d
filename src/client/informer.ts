/**
 * A client-side informer: list + watch one collection over the REST API into a Map cache,
 * resuming the watch from the last resourceVersion seen, relisting on 410 Gone, and
 * retrying with back-off when the server is away (an agent outlives server restarts).
 * Handlers are told about adds, updates and deletes, including the ones a relist reveals.
 */
import type { KubeObject } from "../model/object.ts";
import { isStatusError } from "../model/errors.ts";
import type { RestClient } from "./rest-client.ts";
import { sleep } from "../lib/sleep.ts";

export interface ClientInformerHandler {
  onChange?(obj: KubeObject, old: KubeObject | undefined): void;
  onDelete?(obj: KubeObject): void;
  /** After each (re)list, once the cache matches the server. */
  onSynced?(): void;
  /** A list or watch failed; the informer retries by itself. */
  onError?(e: unknown): void;
}

export interface ClientInformerOptions {
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  /** Extra query, e.g. `{ fieldSelector: "spec.nodeName=n1" }`. */
  query?: Record<string, string>;
  signal: AbortSignal;
  /** Server-side watch timeout; the informer re-watches after it. Default 300 s. */
  watchTimeoutSeconds?: number;
  maxBackoffMs?: number;
}

export class ClientInformer {
  readonly cache = new Map<string, KubeObject>();
  private synced = false;
  private firstSync: Promise<void>;
  private resolveFirst!: () => void;

  constructor(
    private readonly client: RestClient,
    private readonly o: ClientInformerOptions,
    private readonly handler: ClientInformerHandler,
  ) {
    this.firstSync = new Promise((r) => (this.resolveFirst = r));
  }

  static keyOf(obj: KubeObject): string {
    return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Starts the loop; resolves after the first successful list. */
  start(): Promise<void> {
    void this.loop();
    return this.firstSync;
  }

  private async loop(): Promise<void> {
    const { signal } = this.o;
    let rv: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (rv === undefined) rv = await this.relist();
        for await (const ev of this.client.watch(this.o.path, {
          signal,
          query: { ...this.o.query, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: this.o.watchTimeoutSeconds ?? 300 },
        })) {
          failures = 0;
          rv = ev.object?.metadata?.resourceVersion ?? rv;
          if (ev.type === "BOOKMARK") continue;
          if (ev.type === "DELETED") this.remove(ev.object);
          else this.put(ev.object);
        }
      } catch (e) {
        if (signal.aborted) return;
        if (isStatusError(e, "Gone") || isStatusError(e, "Expired")) {
          rv = undefined;
          continue;
        }
        this.handler.onError?.(e);
        failures++;
        await sleep(Math.min(this.o.maxBackoffMs ?? 10_000, 100 * 2 ** Math.min(failures, 10)), signal);
      }
    }
  }

  private async relist(): Promise<string> {
    const list = await this.client.request(this.o.path, { query: this.o.query, signal: this.o.signal });
    const seen = new Set<string>();
    for (const item of list.items as KubeObject[]) {
      item.apiVersion ??= list.apiVersion;
      item.kind ??= String(list.kind).replace(/List$/, "");
      seen.add(ClientInformer.keyOf(item));
      this.put(item);
    }
    for (const [key, obj] of this.cache) if (!seen.has(key)) this.remove(obj);
    this.synced = true;
    this.handler.onSynced?.();
    this.resolveFirst();
    return list.metadata.resourceVersion;
  }

  private put(obj: KubeObject): void {
    const key = ClientInformer.keyOf(obj);
    const old = this.cache.get(key);
    if (old?.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.cache.set(key, obj);
    this.tell(() => this.handler.onChange?.(obj, old));
  }

  private remove(obj: KubeObject): void {
    const key = ClientInformer.keyOf(obj);
    if (!this.cache.delete(key)) return;
    this.tell(() => this.handler.onDelete?.(obj));
  }

  /**
   * A handler that throws on one object (a shape it cannot read, stored before validation)
   * is reported and the informer goes on: thrown out of a relist it would fail every relist
   * after it, and the informer would never sync again.
   */
  private tell(call: () => void): void {
    try {
      call();
    } catch (e) {
      try {
        this.handler.onError?.(e);
      } catch {}
    }
  }
}


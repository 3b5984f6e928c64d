/**
 * The ConfigMaps and Secrets a node's pods read, as the kubelet's configmap and secret
 * managers keep them: each object a pod uses is registered to that pod until it is released,
 * served to its env and volumes from one copy, and — with a watch source, the kubelet's default
 * `Watch` strategy — watched by name for as long as a pod uses it, so a changed object is told
 * (`onChange`) and its volumes can be written again. An immutable object is not watched once
 * read: it cannot change.
 *
 * Without a watch source (hollow nodes: a thousand of them watching would measure the test
 * rig), a fetched copy serves for `ttlMs`, the kubelet's `Cache` strategy; 0 asks every time.
 * An object not found is never kept: the next read asks again (it may have been created since).
 *
 * @example
 *   const sources = new PodSources({ api, watchOne: (ref) => new RestListWatch(client, { path: …, query: { fieldSelector: `metadata.name=${ref.name}` } }), signal });
 *   sources.onChange((ref, uids) => rewriteVolumes(uids, ref));
 *   const cm = await sources.forPod(uid).configMap("default", "app");
 *   sources.release(uid);
 */
import type { KubeObject } from "../../model/object.ts";
import { withoutManagedFields } from "../../model/managed-fields.ts";
import type { ListWatch } from "../../client/list-watch.ts";
import { Informer } from "../../client/informer.ts";
import { SlimListWatch } from "../../client/slim-list-watch.ts";
import type { EnvSources } from "../env/container-env.ts";

export type SourceKind = "configmaps" | "secrets";

export interface SourceRef {
  kind: SourceKind;
  namespace: string;
  name: string;
}

export interface PodSourcesOptions {
  /** Where objects are read (the API) and what else a pod's env asks for (tokens, Services). */
  api: EnvSources;
  /** A list and watch of the one object (`fieldSelector=metadata.name=<name>`); absent: no watches. */
  watchOne?: (ref: SourceRef) => ListWatch;
  /** Without watches, how long a fetched copy serves. Default 0. */
  ttlMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

interface Entry {
  ref: SourceRef;
  /** Uids of the pods that read it. */
  users: Set<string>;
  object?: KubeObject;
  fetchedAt: number;
  fetching?: Promise<KubeObject | undefined>;
  informer?: Informer;
  stop?: () => void;
}

const keyOf = (r: SourceRef) => `${r.kind}/${r.namespace}/${r.name}`;

export class PodSources {
  private readonly entries = new Map<string, Entry>();
  private readonly byPod = new Map<string, Set<string>>();
  private readonly handlers: ((ref: SourceRef, uids: string[]) => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly o: PodSourcesOptions) {
    this.now = o.now ?? Date.now;
    o.signal?.addEventListener("abort", () => {
      for (const e of this.entries.values()) e.stop?.();
    }, { once: true });
  }

  /** Told, after a watched object changed, appeared or went, which pods use it. */
  onChange(h: (ref: SourceRef, uids: string[]) => void): void {
    this.handlers.push(h);
  }

  /** What one pod reads: each object it asks for is registered to it until `release(uid)`. */
  forPod(uid: string): EnvSources {
    const { api } = this.o;
    return {
      configMap: (namespace, name) => this.get(uid, { kind: "configmaps", namespace, name }),
      secret: (namespace, name) => this.get(uid, { kind: "secrets", namespace, name }),
      ...(api.serviceAccountToken ? { serviceAccountToken: api.serviceAccountToken.bind(api) } : {}),
      ...(api.services ? { services: api.services.bind(api) } : {}),
    };
  }

  /** The pod is gone: what only it read is dropped, and no longer watched. */
  release(uid: string): void {
    for (const key of this.byPod.get(uid) ?? []) {
      const e = this.entries.get(key);
      if (!e) continue;
      e.users.delete(uid);
      if (e.users.size === 0) {
        e.stop?.();
        this.entries.delete(key);
      }
    }
    this.byPod.delete(uid);
  }

  /** Objects in use (watched or kept), for tests and metrics. */
  get size(): number {
    return this.entries.size;
  }

  /** Watches open. */
  get watching(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.stop) n++;
    return n;
  }

  private async get(uid: string, ref: SourceRef): Promise<KubeObject | undefined> {
    const key = keyOf(ref);
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { ref, users: new Set(), fetchedAt: 0 }));
    e.users.add(uid);
    (this.byPod.get(uid) ?? this.byPod.set(uid, new Set()).get(uid)!).add(key);
    if (e.informer?.hasSynced) return e.object;
    if (e.object && (e.informer || e.object.immutable === true || this.now() - e.fetchedAt < (this.o.ttlMs ?? 0))) return e.object;
    const entry = e;
    const object = await (entry.fetching ??= this.fetch(entry).finally(() => (entry.fetching = undefined)));
    // Watched from the first read on, while some pod still uses it.
    if (this.o.watchOne && !entry.informer && object?.immutable !== true && this.entries.get(key) === entry) this.watch(entry);
    return object;
  }

  private async fetch(e: Entry): Promise<KubeObject | undefined> {
    const { namespace, name } = e.ref;
    const object = await (e.ref.kind === "configmaps" ? this.o.api.configMap(namespace, name) : this.o.api.secret(namespace, name));
    // A watch already synced knows better than a read that started before its list.
    if (!e.informer?.hasSynced) {
      e.object = object && withoutManagedFields(object);
      e.fetchedAt = this.now();
    }
    return e.object;
  }

  private watch(e: Entry): void {
    const ac = new AbortController();
    const informer = new Informer(new SlimListWatch(this.o.watchOne!(e.ref), withoutManagedFields));
    informer.addHandler({
      onChange: (obj) => this.changed(e, obj),
      onDelete: () => this.changed(e, undefined),
      // Gone between the read and the watch's list: the list has no object to tell of.
      onSynced: () => {
        if (informer.cache.size === 0) this.changed(e, undefined);
      },
    });
    e.informer = informer;
    e.stop = () => ac.abort();
    void informer.start(ac.signal);
  }

  private changed(e: Entry, object: KubeObject | undefined): void {
    if (object?.metadata.resourceVersion === e.object?.metadata.resourceVersion && !!object === !!e.object) return;
    e.object = object;
    e.fetchedAt = this.now();
    // An immutable object cannot change again; only its deletion could, and a pod keeps what it has then.
    if (object?.immutable === true) {
      e.stop?.();
      e.stop = undefined;
    }
    if (e.users.size === 0) return;
    const uids = [...e.users];
    for (const h of this.handlers) h(e.ref, uids);
  }
}

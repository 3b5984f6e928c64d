/**
 * The one write path for API objects: shape → default → validate → size → admit → store, with optimistic
 * concurrency on resourceVersion; and the reads (get, list with selectors and pagination,
 * watch) that go with it. HTTP handlers and in-process callers (bootstrap, controllers
 * running in the server) both come through here, so every write obeys the same rules, and
 * the API layer knows the store only through this class: keys, revisions and the store's
 * errors stay inside it. It knows no kind: what differs per kind comes from the ResourceDef
 * (defaults, validate, deletion) and the admission plugins.
 */
import { cloneObject } from "../../model/clone.ts";
import { parseWithoutManagedFields, withoutManagedFields, type ManagedFieldsSpan } from "../../model/managed-fields.ts";
import type { KubeList, KubeObject, ListMeta } from "../../model/object.ts";
import { apiVersionOf } from "../../model/object.ts";
import { errors, StatusError, type StatusCause } from "../../model/errors.ts";
import { StoreError, type ListResult, type Store, type StoredObject, type StoreStats, type WatchEvent, type WatchIndex, type WatchRoute } from "../../store/types.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { AdmissionPlugin, AdmissionRequest } from "../admission/types.ts";
import type { UserInfo } from "../../http/identity.ts";
import { listPrefix, objectStoreKey } from "./keys.ts";
import { generateName, prepareForCreate, prepareForUpdate } from "./lifecycle.ts";
import { newFaults } from "./known-faults.ts";
import { validateMeta, validateMetaUpdate } from "./meta-validation.ts";
import { checkEncodedSize, checkShape } from "./object-shape.ts";
import type { ObjectFilter } from "./filter.ts";
import { decodeContinue, encodeContinue, ExpiredContinueError } from "./continue-token.ts";
import { planDeletion, type DeleteOptions } from "./deletion-plan.ts";
import { served, ServedEvent, servedJson, toStorage } from "./storage-version.ts";
import { servedItem, updateResult, type ServedObject, type UpdateResult } from "./served-object.ts";

export { planDeletion, type DeleteOptions };
export type { ServedObject, UpdateResult, WatchIndex, WatchRoute };

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string;
  /** Who writes, for admission (NodeRestriction, RBAC escalation); absent: the server itself. */
  user?: UserInfo;
}

export interface ListQuery {
  filter?: ObjectFilter;
  limit?: number;
  continueToken?: string;
  /** Serve the list as it was at this revision (resourceVersionMatch=Exact); 410 once compacted. */
  exactRevision?: number;
  /** The list must be at least this new (resourceVersionMatch=NotOlderThan); newer than the store → 504. */
  minRevision?: number;
  /** Only objects of this name (the metadata.name field selector), skipped before they are parsed. */
  name?: string;
}

export interface ObjectStorageDeps {
  store: Store;
  admission: AdmissionPlugin[];
  now?: () => Date;
  /** Names for metadata.generateName (default: base + 5 random characters, as Kubernetes). */
  generateName?: (base: string) => string;
}

/**
 * A change to one object, as a watcher of a resource sees it. Every watcher of a change gets
 * the same event and the same object: never mutate them (a watch shares their encoded text).
 */
export type ObjectEvent = Omit<WatchEvent, "key">;

export interface ObjectWatchOptions {
  /** Every change after this revision is delivered, history first, then live. */
  fromRevision: number;
  /** Ends the watch (as the returned stop does). */
  signal?: AbortSignal;
  /** Events this watcher's filter could keep, by a field's value (watch-routes.ts); others may be skipped. */
  route?: WatchRoute;
  /** Only objects of this name (the metadata.name field selector), skipped before they are parsed. */
  name?: string;
}

const GENERATE_NAME_ATTEMPTS = 8;

/** Retries of a read-modify-write when someone else wrote in between (GuaranteedUpdate). */
const MAX_UPDATE_ATTEMPTS = 16;

/** A list's JSON as `open`, the items joined by ",", and `close`. */
export interface JsonList {
  open: string;
  items: string[];
  close: string;
}

/** A list's objects, each parsed when asked for and not kept. */
export interface ObjectCursor {
  metadata: ListMeta;
  count: number;
  /**
   * The i-th object, and the store's text of that very object when it has it unconverted; with
   * the text, the object comes without managedFields (a reader renders from both: a Table's
   * cells never show them, its row's metadata is the text's).
   */
  item(i: number): { object: KubeObject; json?: string; span?: ManagedFieldsSpan };
}

export class ObjectStorage {
  /** Reached only through list, watch, revision and stats: this class is the API's door to it. */
  private readonly store: Store;
  private readonly admission: AdmissionPlugin[];
  private readonly now: () => Date;
  private readonly generateName: (base: string) => string;

  constructor(deps: ObjectStorageDeps) {
    this.store = deps.store;
    this.admission = deps.admission;
    this.now = deps.now ?? (() => new Date());
    this.generateName = deps.generateName ?? generateName;
  }

  /** The store's latest revision: what a list made now would be at. */
  revision(): number {
    return this.store.revision();
  }

  /** The store's figures (revision, keys, size) for metrics. */
  stats(): StoreStats {
    return this.store.stats();
  }

  /**
   * Tells `listener` every change to this resource (in one namespace, or all when namespace is
   * undefined) after `fromRevision`, in revision order: first the retained history, on a later
   * microtask, then each commit as it happens — before the writer's promise resolves, so an
   * in-process writer that awaited its write finds it already delivered. Returns the function
   * that stops the watch, or, as a value, the 410 Expired Status for a revision older than the
   * retained history (a lister then lists again and watches from the list's revision).
   * The listener must not throw.
   */
  watch(def: ResourceDef, namespace: string | undefined, options: ObjectWatchOptions, listener: (event: ObjectEvent) => void): (() => void) | StatusError {
    try {
      // The store's events pass through as they are: one object shared by every watcher.
      const heard = def.storageVersion === undefined ? listener : (e: ObjectEvent) => listener(new ServedEvent(def, e));
      return this.store.watch(listPrefix(def, namespace), { fromRevision: options.fromRevision, signal: options.signal, route: options.route, name: options.name }, heard);
    } catch (e) {
      if (e instanceof StoreError && e.code === "Compacted") {
        return errors.gone(`too old resource version: ${options.fromRevision} (${this.store.stats().compactRevision})`);
      }
      const error = this.translate(def, "", e);
      if (error instanceof StatusError) return error;
      throw error;
    }
  }

  async get(def: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject> {
    return (await this.getServed(def, namespace, name)).object;
  }

  /** As get, with the stored text when it is what is served (a GET sends it unparsed). */
  async getServed(def: ResourceDef, namespace: string | undefined, name: string): Promise<ServedObject> {
    const found = await this.store.get(objectStoreKey(def, namespace, name));
    if (!found) throw errors.notFound(def.group, def.plural, name);
    return servedItem(def, found);
  }

  async tryGet(def: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const found = await this.store.get(objectStoreKey(def, namespace, name));
    return found && served(def, found.object);
  }

  async list(def: ResourceDef, namespace: string | undefined, query: ListQuery = {}): Promise<KubeList> {
    const { head, items } = await this.listStored(def, namespace, query);
    return { ...head, items: items.map((i) => served(def, i.object)) };
  }

  /**
   * The list's objects without metadata.managedFields, for the server's own readers (its
   * informers), which never read them nor change them: parsed from the stored text without
   * them. A reader that keeps them whole (`kept`) shares the store's one parse of each (the
   * informers of a kind list together at start); another takes the shared parse when there is
   * one, else its own, which the store does not keep.
   */
  async listWithoutManagedFields(def: ResourceDef, namespace: string | undefined, query: ListQuery = {}, kept = true): Promise<KubeList> {
    const { head, items } = await this.listStored(def, namespace, query);
    const slim = (i: StoredObject) =>
      (kept ? i.slimObject : i.keptSlimObject) ?? (i.json === undefined ? withoutManagedFields(i.object) : parseWithoutManagedFields<KubeObject>(i.json, i.span));
    return { ...head, items: items.map((i) => served(def, slim(i))) };
  }

  /** The list's objects one by one, parsed as they are taken (a 10,000-Pod Table is made a row at a time). */
  async listCursor(def: ResourceDef, namespace: string | undefined, query: ListQuery = {}): Promise<ObjectCursor> {
    const { head, items } = await this.listStored(def, namespace, query);
    return {
      metadata: head.metadata,
      count: items.length,
      // A filtered list's objects were parsed to be filtered: taken as they are. Otherwise the
      // store's text when it has it: its lazily parsed `object` would keep every parse. Without
      // managedFields, unless a conversion will rewrite the object (then no text comes along).
      item: (i) => {
        const item = items[i]!;
        const text = query.filter ? undefined : item.json;
        const stored = text === undefined ? item.object : def.storageVersion === undefined ? parseWithoutManagedFields<KubeObject>(text, item.span) : (JSON.parse(text) as KubeObject);
        const object = served(def, stored);
        return object === stored ? { object, json: item.json, span: item.span } : { object };
      },
    };
  }

  /**
   * The list as JSON text, assembled from the stored objects' text where the store has it —
   * a list of 10,000 objects then costs neither a parse nor a stringify per object.
   */
  async listJson(def: ResourceDef, namespace: string | undefined, query: ListQuery = {}): Promise<JsonList> {
    const { head, items } = await this.listStored(def, namespace, query);
    const body = JSON.stringify({ ...head, items: [] });
    // The items are the store's cached strings themselves: holding them costs no copy.
    return { open: body.slice(0, -2), items: items.map((i) => servedJson(def, i)), close: "]}" };
  }

  /**
   * The list's items as stored JSON text, for a reader that renders them later (a watch's
   * initial state): the strings are the store's own cached ones, so holding them costs next
   * to nothing, where holding parsed objects costs ~3× the data per reader.
   */
  async listJsonItems(def: ResourceDef, namespace: string | undefined, query: ListQuery = {}): Promise<{ resourceVersion: string; items: string[] }> {
    const { head, items } = await this.listStored(def, namespace, query);
    return { resourceVersion: head.metadata.resourceVersion!, items: items.map((i) => servedJson(def, i)) };
  }

  /**
   * One page. A continue token carries its first page's revision, and every later page is
   * served at it (as the apiserver does through etcd), so a paginated list is one consistent
   * snapshot; once history no longer reaches back to it, 410 with a token to go on at the latest.
   */
  private async listStored(def: ResourceDef, namespace: string | undefined, query: ListQuery) {
    const prefix = listPrefix(def, namespace);
    let afterKey: string | undefined;
    let revision = query.exactRevision;
    if (query.continueToken) {
      const token = decodeContinue(query.continueToken, prefix);
      afterKey = token.start;
      // rv -1: the token of an expired list, which continues at the latest revision by request.
      revision = token.rv > 0 ? token.rv : undefined;
    }
    const current = this.store.revision();
    const wanted = revision ?? query.minRevision;
    if (wanted !== undefined && wanted > current) throw tooLargeResourceVersion(wanted, current);
    let res: ListResult;
    try {
      res = await this.store.list(prefix, { limit: query.limit, afterKey, filter: query.filter, revision, name: query.name });
    } catch (e) {
      if (!(e instanceof StoreError && e.code === "Compacted")) throw e;
      if (query.continueToken) throw new ExpiredContinueError(encodeContinue(afterKey!, -1));
      throw errors.gone("The resourceVersion for the provided list is too old.");
    }
    const head: Omit<KubeList, "items"> = {
      apiVersion: apiVersionOf(def.group, def.version),
      kind: `${def.kind}List`,
      metadata: { resourceVersion: String(res.revision) },
    };
    if (res.continueAfter !== undefined) {
      head.metadata.continue = encodeContinue(res.continueAfter, res.revision);
      if (res.remaining !== undefined) head.metadata.remainingItemCount = res.remaining;
    }
    return { head, items: res.items };
  }

  /**
   * A name made from generateName that is taken is made again, the whole create retried, up
   * to 8 attempts — Kubernetes 1.32's RetryGenerateName: 5 random characters collide once a
   * prefix has tens of thousands of objects (Events, Jobs' pods).
   */
  async create(def: ResourceDef, namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    return (await this.createServed(def, namespace, input, opts)).object;
  }

  /** As create, with the stored text of what was made (a handler sends it unparsed). */
  async createServed(def: ResourceDef, namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<ServedObject> {
    const base = !input.metadata?.name && typeof input.metadata?.generateName === "string" ? input.metadata.generateName : undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createOnce(def, namespace, input, opts, base === undefined ? undefined : this.generateName(base));
      } catch (e) {
        if (base === undefined || attempt >= GENERATE_NAME_ATTEMPTS || !(e instanceof StatusError && e.reason === "AlreadyExists")) throw e;
      }
    }
  }

  private async createOnce(def: ResourceDef, namespace: string | undefined, input: KubeObject, opts: WriteOptions, name: string | undefined): Promise<ServedObject> {
    const obj = cloneObject(input);
    // Before anything reads it: defaulting and admission assume the kind's types.
    checkShape(def, obj);
    if (name !== undefined) obj.metadata.name = name;
    if (obj.metadata?.resourceVersion) {
      throw errors.badRequest("resourceVersion should not be set on objects to be created");
    }
    prepareForCreate(def, obj, namespace, this.now());
    def.defaults?.(obj);
    this.validate(def, obj, undefined);
    checkEncodedSize(def, obj);
    const req: AdmissionRequest = { operation: "CREATE", def, object: obj, dryRun: !!opts.dryRun, user: opts.user };
    await this.admit(req);
    if (opts.dryRun) {
      this.release(req);
      return { object: obj };
    }
    let stored: StoredObject;
    try {
      stored = await this.store.create(objectStoreKey(def, namespace, obj.metadata.name!), toStorage(def, obj));
    } catch (e) {
      this.release(req);
      throw this.translate(def, obj.metadata.name!, e);
    }
    this.committed(req);
    return servedItem(def, stored);
  }

  /**
   * Read-modify-write of one object. `mutate` gets the current object (a private copy) and
   * returns the desired one; it runs again when a concurrent write wins the race, unless the
   * caller pinned a resourceVersion (then the conflict is the caller's to resolve: 409).
   */
  async update(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    opts: WriteOptions & { createIfMissing?: boolean } = {},
  ): Promise<UpdateResult> {
    const key = objectStoreKey(def, namespace, name);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.store.get(key);
      if (!current) {
        if (!opts.createIfMissing || opts.subresource) throw errors.notFound(def.group, def.plural, name);
        const desired = await mutate({ apiVersion: apiVersionOf(def.group, def.version), kind: def.kind, metadata: {} });
        if (desired.metadata?.resourceVersion) throw errors.notFound(def.group, def.plural, name);
        desired.metadata = { ...desired.metadata, name };
        try {
          return updateResult(await this.createServed(def, namespace, desired, opts), true);
        } catch (e) {
          if (e instanceof StatusError && e.reason === "AlreadyExists") continue;
          throw e;
        }
      }
      // The stored object as this version shows it: every step below reads the version written in.
      // The store parses each read afresh: this copy is ours.
      const old = served(def, current.object);
      const desired = await mutate(cloneObject(old));
      checkShape(def, desired, old);
      const pinned = desired.metadata?.resourceVersion;
      if (pinned !== undefined && pinned !== "" && pinned !== String(current.revision)) {
        throw errors.conflict(def.group, def.plural, name, "the object has been modified; please apply your changes to the latest version and try again");
      }
      if (desired.metadata?.name !== undefined && desired.metadata.name !== name) {
        throw errors.badRequest(`the name of the object (${desired.metadata.name}) does not match the name on the URL (${name})`);
      }
      const next = prepareForUpdate(def, desired, old, opts.subresource);
      if (opts.subresource !== "status") def.defaults?.(next);
      this.validate(def, next, old);
      checkEncodedSize(def, next, old);
      const req: AdmissionRequest = { operation: "UPDATE", def, object: next, old, subresource: opts.subresource, dryRun: !!opts.dryRun, user: opts.user };
      await this.admit(req);
      if (opts.dryRun) {
        this.release(req);
        next.metadata.resourceVersion = String(current.revision);
        return { object: next, created: false };
      }
      // An update that changes nothing is not written (no new resourceVersion, no watch event).
      const written = toStorage(def, next);
      const probe = { ...written, metadata: { ...written.metadata, resourceVersion: current.object.metadata.resourceVersion } };
      if (Bun.deepEquals(probe, current.object)) return updateResult(servedItem(def, current), false);
      let stored: StoredObject;
      try {
        stored = await this.store.update(key, written, current.revision);
      } catch (e) {
        this.release(req);
        if (e instanceof StoreError && e.code === "Conflict" && (pinned === undefined || pinned === "")) continue;
        throw this.translate(def, name, e);
      }
      this.committed(req);
      await this.finishIfFinalized(def, key, stored, written);
      return updateResult(servedItem(def, stored), false);
    }
    throw errors.conflict(def.group, def.plural, name, "too many concurrent writes; please retry");
  }

  /**
   * Deletes immediately when nothing holds the object; otherwise marks it (deletionTimestamp)
   * and leaves the rest to finalizers, graceful termination and the garbage collector.
   * Returns the object and whether it is gone.
   */
  async delete(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
    user?: UserInfo,
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = objectStoreKey(def, namespace, name);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.store.get(key);
      if (!current) throw errors.notFound(def.group, def.plural, name);
      const obj = current.object;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw errors.conflict(def.group, def.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
        throw errors.conflict(def.group, def.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
      }
      await this.admit({ operation: "DELETE", def, object: obj, dryRun: !!options.dryRun, user });
      const plan = planDeletion(def, obj, options, this.now());
      if (options.dryRun) return { object: plan.object ?? obj, deleted: plan.object === undefined };
      try {
        if (plan.object === undefined) {
          const gone = await this.store.delete(key, current.revision);
          this.release({ operation: "DELETE", def, object: gone.object, dryRun: false });
          return { object: served(def, gone.object), deleted: true };
        }
        if (Bun.deepEquals(plan.object, obj)) return { object: served(def, obj), deleted: false };
        const stored = await this.store.update(key, plan.object, current.revision);
        return { object: served(def, stored.object), deleted: false };
      } catch (e) {
        if (e instanceof StoreError && (e.code === "Conflict" || e.code === "NotFound") && attempt < MAX_UPDATE_ATTEMPTS - 1) {
          if (e.code === "NotFound") throw errors.notFound(def.group, def.plural, name);
          continue;
        }
        throw this.translate(def, name, e);
      }
    }
    throw errors.conflict(def.group, def.plural, name, "too many concurrent writes; please retry");
  }

  /**
   * After an update: an object marked for deletion that nothing holds any more is removed.
   * One given a grace period is removed by whoever the grace is for (a pod's kubelet, with
   * grace 0), as the apiserver's ShouldDeleteDuringUpdate; the kind may hold it longer.
   */
  /** `written` is what `stored` holds, read instead of parsing the stored text for the common case. */
  private async finishIfFinalized(def: ResourceDef, key: string, stored: StoredObject, written: KubeObject): Promise<void> {
    const m = written.metadata;
    if (!m.deletionTimestamp || (m.finalizers?.length ?? 0) > 0) return;
    if ((m.deletionGracePeriodSeconds ?? 0) > 0) return;
    if (def.deletion?.held?.(stored.object)) return;
    try {
      const gone = await this.store.delete(key, stored.revision);
      this.release({ operation: "DELETE", def, object: gone.object, dryRun: false });
    } catch (e) {
      if (!(e instanceof StoreError)) throw e; // a later write won; it will finish the job
    }
  }

  private validate(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined): void {
    let causes = this.faults(def, obj, old);
    // On update, only faults the stored object did not already have (known-faults.ts).
    if (old) causes = newFaults(causes, () => this.faults(def, old, old));
    if (causes.length) throw errors.invalid(def.group, def.kind, obj.metadata?.name ?? "", causes);
  }

  private faults(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
    const causes: StatusCause[] = [...validateMeta(def, obj)];
    if (old) causes.push(...validateMetaUpdate(obj, old));
    if (def.validate) causes.push(...def.validate(obj, old));
    return causes;
  }

  private async admit(req: AdmissionRequest): Promise<void> {
    const done: AdmissionPlugin[] = [];
    try {
      for (const p of this.admission) {
        await p.admit(req);
        done.push(p);
      }
    } catch (e) {
      for (const p of done) p.release?.(req);
      throw e;
    }
  }

  private release(req: AdmissionRequest): void {
    for (const p of this.admission) p.release?.(req);
  }

  private committed(req: AdmissionRequest): void {
    for (const p of this.admission) p.committed?.(req);
  }

  private translate(def: ResourceDef, name: string, e: unknown): unknown {
    if (!(e instanceof StoreError)) return e;
    switch (e.code) {
      case "KeyExists":
        return errors.alreadyExists(def.group, def.plural, name);
      case "NotFound":
        return errors.notFound(def.group, def.plural, name);
      case "Conflict":
        return errors.conflict(def.group, def.plural, name, "the object has been modified; please apply your changes to the latest version and try again");
      case "Compacted":
        return errors.gone(e.message);
      default:
        return errors.internal(e.message, e);
    }
  }
}

/** storage.NewTooLargeResourceVersionError as the apiserver renders it. */
function tooLargeResourceVersion(wanted: number, current: number): StatusError {
  return new StatusError(504, "Timeout", `Too large resource version: ${wanted}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  });
}

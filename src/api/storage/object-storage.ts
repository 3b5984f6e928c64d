/**
 * The one write path for API objects: shape → default → validate → size → admit → store, with optimistic
 * concurrency on resourceVersion; and the reads (get, list with selectors and pagination)
 * that go with it. HTTP handlers and in-process callers (bootstrap, controllers running in
 * the server) both come through here, so every write obeys the same rules.
 */
import type { KubeList, KubeObject } from "../../model/object.ts";
import { apiVersionOf } from "../../model/object.ts";
import { errors, StatusError, type StatusCause } from "../../model/errors.ts";
import { StoreError, type Store, type StoredObject } from "../../store/types.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { AdmissionPlugin, AdmissionRequest } from "../admission/types.ts";
import { listPrefix, objectStoreKey } from "./keys.ts";
import { prepareForCreate, prepareForUpdate } from "./lifecycle.ts";
import { validateMeta, validateMetaUpdate } from "./meta-validation.ts";
import { checkEncodedSize, checkShape } from "./object-shape.ts";
import { ServiceAllocator } from "../admission/service-allocator.ts";
import type { ObjectFilter } from "./filter.ts";
import { nowTimestamp } from "../../model/object.ts";

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string;
}

export interface ListQuery {
  filter?: ObjectFilter;
  limit?: number;
  continueToken?: string;
}

export interface ObjectStorageDeps {
  store: Store;
  admission: AdmissionPlugin[];
  now?: () => Date;
}

/** Retries of a read-modify-write when someone else wrote in between (GuaranteedUpdate). */
const MAX_UPDATE_ATTEMPTS = 16;

export class ObjectStorage {
  readonly store: Store;
  private readonly admission: AdmissionPlugin[];
  private readonly now: () => Date;

  constructor(deps: ObjectStorageDeps) {
    this.store = deps.store;
    this.admission = deps.admission;
    this.now = deps.now ?? (() => new Date());
  }

  async get(def: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject> {
    const found = await this.store.get(objectStoreKey(def, namespace, name));
    if (!found) throw errors.notFound(def.group, def.plural, name);
    return found.object;
  }

  async tryGet(def: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return (await this.store.get(objectStoreKey(def, namespace, name)))?.object;
  }

  async list(def: ResourceDef, namespace: string | undefined, query: ListQuery = {}): Promise<KubeList> {
    const { head, items } = await this.listStored(def, namespace, query);
    return { ...head, items: items.map((i) => i.object) };
  }

  /**
   * The list as JSON text, assembled from the stored objects' text where the store has it —
   * a list of 10,000 objects then costs neither a parse nor a stringify per object.
   */
  async listJson(def: ResourceDef, namespace: string | undefined, query: ListQuery = {}): Promise<string> {
    const { head, items } = await this.listStored(def, namespace, query);
    const body = JSON.stringify({ ...head, items: [] });
    return `${body.slice(0, -3)}[${items.map((i) => i.json ?? JSON.stringify(i.object)).join(",")}]}`;
  }

  private async listStored(def: ResourceDef, namespace: string | undefined, query: ListQuery) {
    const prefix = listPrefix(def, namespace);
    let afterKey: string | undefined;
    if (query.continueToken) afterKey = decodeContinue(query.continueToken, prefix);
    const res = await this.store.list(prefix, { limit: query.limit, afterKey, filter: query.filter });
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

  async create(def: ResourceDef, namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = structuredClone(input);
    // Before anything reads it: defaulting and admission assume the kind's types.
    checkShape(def, obj);
    if (obj.metadata?.resourceVersion) {
      throw errors.badRequest("resourceVersion should not be set on objects to be created");
    }
    prepareForCreate(def, obj, namespace, this.now());
    def.defaults?.(obj);
    this.validate(def, obj, undefined);
    checkEncodedSize(def, obj);
    const req: AdmissionRequest = { operation: "CREATE", def, object: obj, dryRun: !!opts.dryRun };
    await this.admit(req);
    if (opts.dryRun) {
      this.release(req);
      return obj;
    }
    try {
      return (await this.store.create(objectStoreKey(def, namespace, obj.metadata.name!), obj)).object;
    } catch (e) {
      this.release(req);
      throw this.translate(def, obj.metadata.name!, e);
    }
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
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = objectStoreKey(def, namespace, name);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.store.get(key);
      if (!current) {
        if (!opts.createIfMissing || opts.subresource) throw errors.notFound(def.group, def.plural, name);
        const desired = await mutate({ apiVersion: apiVersionOf(def.group, def.version), kind: def.kind, metadata: {} });
        if (desired.metadata?.resourceVersion) throw errors.notFound(def.group, def.plural, name);
        desired.metadata = { ...desired.metadata, name };
        try {
          return { object: await this.create(def, namespace, desired, opts), created: true };
        } catch (e) {
          if (e instanceof StatusError && e.reason === "AlreadyExists") continue;
          throw e;
        }
      }
      const desired = await mutate(structuredClone(current.object));
      checkShape(def, desired, current.object);
      const pinned = desired.metadata?.resourceVersion;
      if (pinned !== undefined && pinned !== "" && pinned !== String(current.revision)) {
        throw errors.conflict(def.group, def.plural, name, "the object has been modified; please apply your changes to the latest version and try again");
      }
      if (desired.metadata?.name !== undefined && desired.metadata.name !== name) {
        throw errors.badRequest(`the name of the object (${desired.metadata.name}) does not match the name on the URL (${name})`);
      }
      const next = prepareForUpdate(def, desired, current.object, opts.subresource);
      if (opts.subresource !== "status") def.defaults?.(next);
      this.validate(def, next, current.object);
      checkEncodedSize(def, next, current.object);
      const req: AdmissionRequest = { operation: "UPDATE", def, object: next, old: current.object, subresource: opts.subresource, dryRun: !!opts.dryRun };
      await this.admit(req);
      if (opts.dryRun) {
        this.release(req);
        next.metadata.resourceVersion = String(current.revision);
        return { object: next, created: false };
      }
      // An update that changes nothing is not written (no new resourceVersion, no watch event).
      const probe = { ...next, metadata: { ...next.metadata, resourceVersion: current.object.metadata.resourceVersion } };
      if (Bun.deepEquals(probe, current.object)) return { object: current.object, created: false };
      try {
        const stored = await this.store.update(key, next, current.revision);
        this.committedUpdate(def, current.object, stored.object);
        if (await this.finishIfFinalized(def, key, stored)) return { object: stored.object, created: false };
        return { object: stored.object, created: false };
      } catch (e) {
        this.release(req);
        if (e instanceof StoreError && e.code === "Conflict" && (pinned === undefined || pinned === "")) continue;
        throw this.translate(def, name, e);
      }
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
      await this.admit({ operation: "DELETE", def, object: obj, dryRun: !!options.dryRun });
      const plan = planDeletion(def, obj, options, this.now());
      if (options.dryRun) return { object: plan.object ?? obj, deleted: plan.object === undefined };
      try {
        if (plan.object === undefined) {
          const gone = await this.store.delete(key, current.revision);
          this.release({ operation: "DELETE", def, object: gone.object, dryRun: false });
          return { object: gone.object, deleted: true };
        }
        if (Bun.deepEquals(plan.object, obj)) return { object: obj, deleted: false };
        const stored = await this.store.update(key, plan.object, current.revision);
        return { object: stored.object, deleted: false };
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

  /** After an update: an object marked for deletion whose last finalizer went is removed. */
  private async finishIfFinalized(def: ResourceDef, key: string, stored: StoredObject): Promise<boolean> {
    const m = stored.object.metadata;
    if (!m.deletionTimestamp || (m.finalizers?.length ?? 0) > 0) return false;
    // Pods wait for their kubelet (grace period) unless already at grace 0.
    if (def.kind === "Pod" && stored.object.spec?.nodeName && (m.deletionGracePeriodSeconds ?? 0) > 0) return false;
    // Namespaces wait for their content to go (spec.finalizers, emptied by the namespace controller).
    if (def.kind === "Namespace" && (stored.object.spec?.finalizers?.length ?? 0) > 0) return false;
    try {
      const gone = await this.store.delete(key, stored.revision);
      this.release({ operation: "DELETE", def, object: gone.object, dryRun: false });
    } catch (e) {
      if (!(e instanceof StoreError)) throw e; // a later write won; it will finish the job
    }
    return true;
  }

  private validate(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined): void {
    const causes: StatusCause[] = [...validateMeta(def, obj)];
    if (old) causes.push(...validateMetaUpdate(obj, old));
    if (def.validate) causes.push(...def.validate(obj, old));
    if (causes.length) throw errors.invalid(def.group, def.kind, obj.metadata?.name ?? "", causes);
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

  private committedUpdate(def: ResourceDef, old: KubeObject, next: KubeObject): void {
    if (def.kind !== "Service") return;
    for (const p of this.admission) if (p instanceof ServiceAllocator) p.commitUpdate(old, next);
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

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/**
 * Decides what a delete does to `obj`: remove it (object undefined) or write a marked copy.
 * Pure, so the rules are testable: finalizers (incl. the ones a propagation policy adds),
 * graceful pod termination, and namespace teardown.
 */
export function planDeletion(def: ResourceDef, obj: KubeObject, options: DeleteOptions, now: Date): { object?: KubeObject } {
  const next = structuredClone(obj);
  const meta = next.metadata;
  const finalizers = new Set(meta.finalizers ?? []);
  const policy = options.propagationPolicy ?? (options.orphanDependents ? "Orphan" : undefined);
  if (policy === "Orphan") finalizers.add("orphan");
  if (policy === "Foreground") finalizers.add("foregroundDeletion");
  let grace = 0;
  if (def.kind === "Pod" && next.spec?.nodeName && next.status?.phase !== "Succeeded" && next.status?.phase !== "Failed") {
    grace = options.gracePeriodSeconds ?? next.spec?.terminationGracePeriodSeconds ?? 30;
    if (meta.deletionGracePeriodSeconds !== undefined) grace = Math.min(grace, meta.deletionGracePeriodSeconds);
  }
  const namespaceHeld = def.kind === "Namespace" && (next.spec?.finalizers?.length ?? 0) > 0;
  if (finalizers.size === 0 && grace === 0 && !namespaceHeld) return {};
  if (!meta.deletionTimestamp) meta.deletionTimestamp = nowTimestamp(new Date(now.getTime() + grace * 1000));
  meta.deletionGracePeriodSeconds = grace;
  meta.finalizers = [...finalizers];
  if (meta.finalizers.length === 0) delete meta.finalizers;
  if (def.kind === "Namespace") next.status = { ...(next.status ?? {}), phase: "Terminating" };
  return { object: next };
}

function encodeContinue(afterKey: string, revision: number): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: revision, start: afterKey })).toString("base64url");
}

function decodeContinue(token: string, prefix: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof parsed?.start !== "string" || !parsed.start.startsWith(prefix)) throw new Error("bad start");
    return parsed.start;
  } catch (cause) {
    throw new StatusError(400, "BadRequest", "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)", undefined, { cause });
  }
}

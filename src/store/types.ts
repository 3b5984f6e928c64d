/**
 * The store contract: a revisioned key/value map like etcd's, holding Kubernetes objects.
 *
 * - One global revision, incremented by every write; an object's `metadata.resourceVersion`
 *   is the revision of its last write (the store sets it).
 * - A resolved write is durable (fsync'd) — the API answers 2xx only after that.
 * - Watches are pushed from the commit path; history is kept back to the compaction point,
 *   and a watch that asks for an older revision fails with StoreError("Compacted").
 *
 * Keys look like `/<resource>/<namespace>/<name>` (or `/<resource>/<name>` for cluster-scoped
 * kinds, where `<resource>` is group-qualified: `deployments.apps`). Prefix queries end in `/`.
 */
import type { KubeObject } from "../model/object.ts";
import type { ManagedFieldsSpan } from "../model/managed-fields.ts";

export type StoreErrorCode = "KeyExists" | "NotFound" | "Conflict" | "Compacted" | "Closed" | "NoSpace";

/** Raised by the store; the API layer translates each code into a Kubernetes Status. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    readonly key: string,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? `${code}: ${key}`, options);
    this.name = "StoreError";
  }
}

export interface StoredObject {
  key: string;
  /** Revision of the object's last write (also in object.metadata.resourceVersion). */
  revision: number;
  object: KubeObject;
  /** The object as stored JSON text, when the store has it at hand (lets lists skip a parse + stringify). */
  json?: string;
  /** Where `json` holds metadata.managedFields, when known (model/managed-fields.ts). */
  readonly span?: ManagedFieldsSpan;
  /**
   * The object without metadata.managedFields, when the store keeps it: parsed once per stored
   * value and kept with it, shared by every reader who asks, so only for readers that never
   * change it and keep it whole (informers); the store would otherwise hold it for nobody.
   */
  readonly slimObject?: KubeObject;
  /** That object if it was parsed already; undefined otherwise (nothing is parsed). */
  readonly keptSlimObject?: KubeObject;
}

export interface ListOptions {
  /** Return at most this many items (0 or undefined = all). */
  limit?: number;
  /** Start strictly after this key (for `continue` tokens). */
  afterKey?: string;
  /** Only items for which this returns true count toward `limit`. Cheap filters (selectors). */
  filter?: (obj: KubeObject) => boolean;
  /**
   * List the state as it was at this revision (every page of a paginated list is served at
   * its first page's revision). Fails with Compacted when the history no longer reaches back
   * to it; a revision at or above the current one lists the current state.
   */
  revision?: number;
  /**
   * Only the objects of this name, in any namespace under the prefix (the `metadata.name` field
   * selector): judged from the key, before anything is parsed.
   */
  name?: string;
}

export interface ListResult {
  items: StoredObject[];
  /** The store revision the list is consistent with (options.revision when given). */
  revision: number;
  /** Key of the last item returned when more matching items remain; undefined when done. */
  continueAfter?: string;
  /** How many more keys remain after the page (an estimate is fine, as Kubernetes allows). */
  remaining?: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/**
 * One event, shared by every listener it reaches: its objects are parsed on first read and
 * must not be mutated. A listener reads only what it needs: a watch that sends `json` parses
 * nothing, and a reader that never looks at managedFields parses the cheaper `slimObject`.
 */
export interface WatchEvent {
  type: WatchEventType;
  key: string;
  revision: number;
  /** The object after the write; for DELETED, the last state with resourceVersion = the delete's revision. */
  readonly object: KubeObject;
  /** The object before the write (absent for ADDED). */
  readonly prevObject?: KubeObject;
  /** `object` without metadata.managedFields. */
  readonly slimObject: KubeObject;
  /** `prevObject` without metadata.managedFields. */
  readonly prevSlimObject?: KubeObject;
  /** JSON.stringify(object) as the store holds it, when it does: a watch sends it as it is. */
  json?: string;
}

export interface WatchOptions {
  /** Deliver every event with revision > fromRevision (history first, then live). */
  fromRevision: number;
  signal?: AbortSignal;
  /**
   * Only live events whose object, or its state before, has this value under the route's
   * index need reach the listener (others may still come: history is not routed). A kubelet
   * watching its node's pods is one of a thousand such watchers; each pod event goes to one.
   */
  route?: WatchRoute;
  /** Only events of objects of this name, judged from the key (as ListOptions.name); history too. */
  name?: string;
}

/** A value of a field that events are routed by; one WatchIndex object per field, shared by its watchers. */
export interface WatchRoute {
  index: WatchIndex;
  value: string;
}

export interface WatchIndex {
  /** The field's value in an object, or undefined when it has none (or not a string). */
  of(obj: KubeObject): string | undefined;
}

export interface StoreStats {
  revision: number;
  compactRevision: number;
  keys: number;
  /** Bytes on disk: the database and its write-ahead log together, and each apart when known. */
  sizeBytes: number;
  dbBytes?: number;
  walBytes?: number;
  watchers: number;
  /** Events kept for watch resume and past lists, and the characters of JSON they hold. */
  historyEvents?: number;
  historyBytes?: number;
  /** Characters of JSON the current objects take, and the most they may (the quota; absent: none). */
  dataBytes?: number;
  quotaBytes?: number;
  /** False once a failed WAL sync made the store refuse every write (until the process restarts). */
  writable?: boolean;
}

export interface Store {
  /** Current (latest committed) revision. */
  revision(): number;
  /** The object is the caller's own copy: it may be changed freely. */
  get(key: string): Promise<StoredObject | undefined>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Fails with KeyExists. Sets resourceVersion. */
  create(key: string, object: KubeObject): Promise<StoredObject>;
  /**
   * Replaces the value. With expectedRevision, fails with Conflict when the stored revision
   * differs; fails with NotFound when absent.
   */
  update(key: string, object: KubeObject, expectedRevision?: number): Promise<StoredObject>;
  /** Removes the key; same preconditions as update. Returns the deleted object. */
  delete(key: string, expectedRevision?: number): Promise<StoredObject>;
  /**
   * Subscribe to changes under prefix. Fails with Compacted when fromRevision is older than
   * the retained history. The listener is called in revision order; it must not throw.
   * Returns an unsubscribe function (also called on signal abort).
   */
  watch(prefix: string, options: WatchOptions, listener: (event: WatchEvent) => void): () => void;
  /** Drop history at or below this revision (events older than it can no longer be watched). */
  compact(revision: number): Promise<void>;
  stats(): StoreStats;
  close(): Promise<void>;
}

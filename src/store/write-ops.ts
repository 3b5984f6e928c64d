/**
 * The SQLite store's queued writes, and how a batch of them is judged when it commits: each
 * one's preconditions, the quota, the JSON it stores.
 */
import type { KubeObject } from "../model/object.ts";
import { managedFieldsSpan, parseWithoutManagedFields, SPAN_UNKNOWN, stringifyManagedFieldsLast, type ManagedFieldsSpan } from "../model/managed-fields.ts";
import { StoreError, type StoredObject } from "./types.ts";
import type { HistoryEvent } from "./watch-hub.ts";

/** A key's current value as the store caches it. */
export interface Entry {
  revision: number;
  value: string;
  /** Where `value` holds metadata.managedFields: known for what this store wrote, found when first needed for what it loaded. */
  span: ManagedFieldsSpan;
  /** `value` parsed without managedFields, once asked for (StoredObject.slimObject): shared by every reader of it. */
  slim?: KubeObject;
}

export type WriteOp =
  | { kind: "create"; key: string; object: KubeObject; settle: Settle }
  | { kind: "update"; key: string; object: KubeObject; expectedRevision?: number; settle: Settle }
  | { kind: "delete"; key: string; expectedRevision?: number; settle: Settle }
  | { kind: "reseal"; key: string; expectedRevision?: undefined; settle: Settle };

export interface Settle {
  resolve(result: StoredObject): void;
  reject(error: unknown): void;
}

/** What a batch is written against: the committed state, and the rows to write. */
export interface BatchTarget {
  revision: number;
  /** Characters of JSON the current objects take, against `quota`. */
  dataBytes: number;
  quota: number;
  current(key: string): Entry | undefined;
  put(key: string, revision: number, value: string): void;
  remove(key: string): void;
}

export interface BatchOutcome {
  /** The batch's changes by key, null for a deletion: what the cache becomes once it commits. */
  overlay: Map<string, Entry | null>;
  done: { op: WriteOp; event: HistoryEvent }[];
  refused: { op: WriteOp; error: unknown }[];
  resealed: { op: WriteOp; entry: Entry }[];
  revision: number;
  dataBytes: number;
}

/**
 * Judges each write in queue order against the state that includes the writes before it in
 * the batch, and writes the rows of those that pass (inside the caller's transaction).
 */
export function writeBatch(batch: WriteOp[], t: BatchTarget): BatchOutcome {
  const overlay = new Map<string, Entry | null>();
  const current = (key: string): Entry | undefined => {
    const o = overlay.get(key);
    return o === null ? undefined : (o ?? t.current(key));
  };
  const out: BatchOutcome = { overlay, done: [], refused: [], resealed: [], revision: t.revision, dataBytes: t.dataBytes };
  for (const op of batch) {
    const before = current(op.key);
    const error = preconditionError(op, before);
    if (error) {
      out.refused.push({ op, error });
      continue;
    }
    if (op.kind === "reseal") {
      // Nothing a reader sees changes: no revision, no event, no overlay entry.
      t.put(op.key, before!.revision, before!.value);
      out.resealed.push({ op, entry: before! });
      continue;
    }
    const revision = out.revision + 1;
    let value: string;
    let span: ManagedFieldsSpan;
    try {
      ({ text: value, span } = op.kind === "delete" ? withResourceVersion(JSON.parse(before!.value), revision) : withResourceVersion(op.object, revision));
    } catch (cause) {
      out.refused.push({ op, error: new Error(`encoding ${op.key} as JSON`, { cause }) });
      continue;
    }
    const grows = op.kind === "delete" ? -before!.value.length : value.length - (before?.value.length ?? 0);
    if (grows > 0 && out.dataBytes + grows > t.quota && !(op.kind !== "delete" && op.object.metadata?.deletionTimestamp)) {
      out.refused.push({ op, error: noSpace(op.key, out.dataBytes + grows, t.quota) });
      continue;
    }
    out.dataBytes += grows;
    if (op.kind === "delete") {
      t.remove(op.key);
      overlay.set(op.key, null);
    } else {
      t.put(op.key, revision, value);
      overlay.set(op.key, { revision, value, span });
    }
    out.revision = revision;
    const type = op.kind === "delete" ? "DELETED" : before ? "MODIFIED" : "ADDED";
    out.done.push({ op, event: { type, key: op.key, revision, value, valueSpan: span, prev: before?.value, prevSpan: before?.span, prevRevision: before?.revision } });
  }
  return out;
}

function preconditionError(op: WriteOp, before: Entry | undefined): StoreError | undefined {
  if (op.kind === "create") return before ? new StoreError("KeyExists", op.key) : undefined;
  if (!before) return new StoreError("NotFound", op.key);
  if (op.expectedRevision !== undefined && op.expectedRevision !== before.revision) {
    return new StoreError("Conflict", op.key, `${op.key}: expected revision ${op.expectedRevision}, stored ${before.revision}`);
  }
  return undefined;
}

/** JSON of the object with metadata.resourceVersion set; the caller's object is left alone. */
function withResourceVersion(object: KubeObject, revision: number): { text: string; span: ManagedFieldsSpan } {
  if (typeof object !== "object" || object === null) throw new TypeError("the object is not an object");
  return stringifyManagedFieldsLast({ ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } });
}

/** A growing write the quota has no room for. */
function noSpace(key: string, wanted: number, quota: number): StoreError {
  return new StoreError("NoSpace", key, `database space exceeded: the stored objects would take ${wanted} bytes, over the datastore quota of ${quota} (--datastore-quota); delete objects or raise the quota`);
}

/**
 * A list item whose object is parsed on first use: a JSON list response is assembled from the
 * stored text (`json`) and never needs the parse, which for 10,000 objects is most of the cost.
 * The span of its managedFields, found when first asked for, and the object without them, once
 * parsed, are kept in the entry: informers listing the same kind share one parse.
 */
export function lazyItem(key: string, entry: Entry): StoredObject {
  let parsed: KubeObject | undefined;
  return {
    key,
    revision: entry.revision,
    json: entry.value,
    get object() {
      return (parsed ??= JSON.parse(entry.value) as KubeObject);
    },
    get span() {
      if (entry.span === SPAN_UNKNOWN) entry.span = managedFieldsSpan(entry.value);
      return entry.span;
    },
    get slimObject() {
      return (entry.slim ??= parseWithoutManagedFields<KubeObject>(entry.value, this.span));
    },
    get keptSlimObject() {
      return entry.slim;
    },
  };
}

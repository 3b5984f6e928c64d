/**
 * The meta.k8s.io/v1 Table the apiserver answers `kubectl get` with. Rows always carry every
 * column (the apiserver prints "wide" and leaves dropping priority-1 columns to the client);
 * `object` is what `includeObject` asks for, so kubectl can add NAMESPACE and LABELS itself.
 */
import type { KubeObject, ListMeta } from "../../model/object.ts";
import type { Printer, TableColumn } from "./types.ts";
import { tolerantCells, tolerantMetadata } from "./tolerant-row.ts";
import { metadataText, type ManagedFieldsSpan } from "../../model/managed-fields.ts";

export type IncludeObject = "None" | "Metadata" | "Object";

export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: "meta.k8s.io/v1";
  metadata: KubeObject["metadata"];
}

export interface TableRow {
  cells: unknown[];
  /** null for includeObject=None, as Go encodes an empty RawExtension. */
  object: PartialObjectMetadata | KubeObject | null;
}

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: ListMeta;
  /** null when headers were not asked for (watch events after the first), as Go encodes a nil slice. */
  columnDefinitions: TableColumn[] | null;
  rows: TableRow[];
}

export interface BuildTableOptions {
  includeObject: IncludeObject;
  listMeta: ListMeta;
  /** Omit columnDefinitions (TableOptions.noHeaders). */
  noHeaders?: boolean;
  now?: Date;
}

export function partialObjectMetadata(obj: KubeObject): PartialObjectMetadata {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: tolerantMetadata(obj) };
}

function rowObject(obj: KubeObject, include: IncludeObject): TableRow["object"] {
  if (include === "None") return null;
  if (include === "Object") return obj;
  return partialObjectMetadata(obj);
}

/** ListMeta with unset fields left out (Go's omitempty). */
function listMetadata(meta: ListMeta): ListMeta {
  const out: ListMeta = {};
  if (meta.resourceVersion) out.resourceVersion = meta.resourceVersion;
  if (meta.continue) out.continue = meta.continue;
  if (meta.remainingItemCount !== undefined && meta.remainingItemCount !== null) out.remainingItemCount = meta.remainingItemCount;
  return out;
}

export function buildTable(objects: KubeObject[], printer: Printer, opts: BuildTableOptions): Table {
  const now = opts.now ?? new Date();
  return { ...tableHead(printer, opts), rows: objects.map((obj) => tableRow(obj, printer, opts.includeObject, now)) };
}

/** A Table without its rows, for a list whose rows are made one by one (handlers/list-body.ts). */
export function tableHead(printer: Printer, opts: Omit<BuildTableOptions, "includeObject" | "now">): Omit<Table, "rows"> {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMetadata(opts.listMeta),
    columnDefinitions: opts.noHeaders ? null : printer.columns.map((c) => ({ ...c })),
  };
}

export function tableRow(obj: KubeObject, printer: Printer, includeObject: IncludeObject, now: Date): TableRow {
  return { cells: tolerantCells(obj, printer, now), object: rowObject(obj, includeObject) };
}

/**
 * JSON.stringify(tableRow(obj, …)), with the row's object copied from `json`, the text of
 * `obj` as stored, where it can be: a Pod's metadata is mostly managedFields, whose stringify
 * was 38% of a 10,000-Pod Table's server time (see lib/json-text.ts). With `json`, `obj` may
 * come without managedFields (parsed cheaper): the row takes them from the text, found by
 * their span when it is known.
 */
export function tableRowJson(obj: KubeObject, json: string | undefined, printer: Printer, includeObject: IncludeObject, now: Date, span?: ManagedFieldsSpan): string {
  const cells = JSON.stringify(tolerantCells(obj, printer, now));
  if (includeObject === "None") return `{"cells":${cells},"object":null}`;
  if (includeObject === "Object") return `{"cells":${cells},"object":${json ?? JSON.stringify(obj)}}`;
  const metadata = tolerantMetadata(obj);
  // The stored text holds this very metadata only when it was taken as it is. Otherwise the
  // repaired copy is made again from the text (`obj` may come without managedFields).
  if (json !== undefined && metadata !== obj.metadata) return tableRowJson(JSON.parse(json), undefined, printer, includeObject, now);
  const text = json !== undefined ? metadataText(json, span) : undefined;
  return `{"cells":${cells},"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":${text ?? JSON.stringify(metadata)}}}`;
}

export interface TableRowEventOptions {
  includeObject: IncludeObject;
  /**
   * Include columnDefinitions. The apiserver sends them with the first event of a watch only
   * and sets noHeaders for every later one (handlers/watch.go, "only print table headers on
   * the first object"); kubectl reuses the last columns it saw when they are absent.
   */
  withColumns: boolean;
  now?: Date;
}

/** The object of one watch event when the client watches as Table: one row, the object's resourceVersion. */
export function tableRowEvent(obj: KubeObject, printer: Printer, opts: TableRowEventOptions): Table {
  return buildTable([obj], printer, {
    includeObject: opts.includeObject,
    listMeta: { resourceVersion: obj.metadata?.resourceVersion },
    noHeaders: !opts.withColumns,
    now: opts.now,
  });
}

/** Stateful helper for one watch stream: columns on the first call, none after. */
export function tableWatchEncoder(printer: Printer, includeObject: IncludeObject): (obj: KubeObject, now?: Date) => Table {
  let first = true;
  return (obj, now) => {
    const table = tableRowEvent(obj, printer, { includeObject, withColumns: first, now });
    first = false;
    return table;
  };
}

/** Table rendering for a resource's get/list/watch responses (see ../table). */
import type { KubeObject, ListMeta } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { ObjectCursor } from "../storage/object-storage.ts";
import { buildTable, printerFor, tableHead, tableRowEvent, tableRowJson, type IncludeObject, type Printer } from "../table/index.ts";
import { listBody } from "./list-body.ts";

/**
 * The kind's printer; a version converted from another (autoscaling/v1 from v2, events.k8s.io
 * from core Events) prints through its storage shape, which the kind's printer reads — as the
 * apiserver prints every version from its internal type.
 */
function printerOf(def: ResourceDef): Printer {
  const p = def.custom?.printer ?? printerFor(def.kind);
  const conversion = def.conversion;
  if (!conversion) return p;
  return { columns: p.columns, cells: (obj, now) => p.cells(conversion.toStorage(obj), now) };
}

export function toTable(def: ResourceDef, items: KubeObject[], includeObject: IncludeObject, listMeta: ListMeta): object {
  return buildTable(items, printerOf(def), { includeObject, listMeta });
}

/**
 * A list's Table as a response body, its rows rendered as the connection takes them: each
 * object is parsed for its row and let go (a Table of 10,000 Pods held all of them parsed,
 * the Table and its 33 MB of text at once).
 */
export function tableListBody(def: ResourceDef, list: ObjectCursor, includeObject: IncludeObject): string | ReadableStream<Uint8Array> {
  const printer = printerOf(def);
  const now = new Date();
  const head = JSON.stringify({ ...tableHead(printer, { listMeta: list.metadata }), rows: [] });
  const row = (i: number) => {
    const { object, json, span } = list.item(i);
    return tableRowJson(object, json, printer, includeObject, now, span);
  };
  return listBody({ open: head.slice(0, -2), count: list.count, item: row, close: "]}" });
}

/** One watch event's object; the first event of a stream carries the column definitions. */
export function tableEvent(def: ResourceDef, obj: KubeObject, includeObject: IncludeObject, withColumns: boolean): object {
  return tableRowEvent(obj, printerOf(def), { includeObject, withColumns });
}

/** Table rendering for a resource's get/list/watch responses (see ../table). */
import type { KubeObject, ListMeta } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import { buildTable, printerFor, tableRowEvent, type IncludeObject, type Printer } from "../table/index.ts";

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

/** One watch event's object; the first event of a stream carries the column definitions. */
export function tableEvent(def: ResourceDef, obj: KubeObject, includeObject: IncludeObject, withColumns: boolean): object {
  return tableRowEvent(obj, printerOf(def), { includeObject, withColumns });
}

/** Table rendering for a resource's get/list/watch responses (see ../table). */
import type { KubeObject, ListMeta } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import { buildTable, printerFor, tableRowEvent, type IncludeObject } from "../table/index.ts";

export function toTable(def: ResourceDef, items: KubeObject[], includeObject: IncludeObject, listMeta: ListMeta): object {
  return buildTable(items, def.custom?.printer ?? printerFor(def.kind), { includeObject, listMeta });
}

/** One watch event's object; the first event of a stream carries the column definitions. */
export function tableEvent(def: ResourceDef, obj: KubeObject, includeObject: IncludeObject, withColumns: boolean): object {
  return tableRowEvent(obj, def.custom?.printer ?? printerFor(def.kind), { includeObject, withColumns });
}

/**
 * A custom resource version's table: Name, then its additionalPrinterColumns, or Age when it
 * declares none (the apiextensions-apiserver's serveDefaultColumnsIfEmpty). Date cells are
 * served as ages and missing values as null (kubectl prints `<none>`), as its table convertor does.
 */
import type { Printer, TableColumn } from "../table/types.ts";
import { AGE_DESCRIPTION, nameColumn } from "../table/columns.ts";
import { since } from "../table/human-duration.ts";
import type { PrinterColumnSpec } from "./crd-types.ts";
import { evaluateJsonPath, parseJsonPath } from "./json-path.ts";

const AGE: PrinterColumnSpec = { name: "Age", type: "date", description: AGE_DESCRIPTION, jsonPath: ".metadata.creationTimestamp" };

function cell(values: unknown[], type: string, now: Date): unknown {
  if (values.length === 0) return null;
  if (type === "date") return typeof values[0] === "string" ? since(values[0], now) : null;
  if (values.length === 1 && (type === "integer" || type === "number" || type === "boolean") && typeof values[0] !== "object") return values[0];
  return values.map((v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v))).join(",");
}

export function printerFromColumns(specs: PrinterColumnSpec[] | undefined): Printer {
  const list = specs?.length ? specs : [AGE];
  const paths = list.map((c) => parseJsonPath(c.jsonPath));
  const columns: TableColumn[] = [
    nameColumn,
    ...list.map((c): TableColumn => ({
      name: c.name,
      // A date column's cells are ages (text) by the time they are served.
      type: (c.type === "date" ? "date" : c.type) as TableColumn["type"],
      format: c.format ?? "",
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns,
    cells(obj, now) {
      return [obj.metadata?.name ?? "", ...list.map((c, i) => (paths[i]!.error ? null : cell(evaluateJsonPath(paths[i]!, obj), c.type, now)))];
    },
  };
}

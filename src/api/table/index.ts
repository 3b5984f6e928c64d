export type { Printer, TableColumn } from "./types.ts";
export { printerFor, printers, defaultPrinter } from "./printers.ts";
export {
  buildTable,
  tableHead,
  tableRow,
  tableRowJson,
  partialObjectMetadata,
  tableRowEvent,
  tableWatchEncoder,
  type BuildTableOptions,
  type IncludeObject,
  type PartialObjectMetadata,
  type Table,
  type TableRow,
  type TableRowEventOptions,
} from "./build-table.ts";
export { renderTableText, tableCells, layoutColumns, type RenderTextOptions } from "./render-text.ts";
export { humanDuration, since } from "./human-duration.ts";

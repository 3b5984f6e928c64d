/**
 * Plain-text rendering of a Table the way kubectl prints one: upper-case headers, priority-1
 * columns only when wide, NAMESPACE first and LABELS last taken from each row's object, and
 * columns laid out like kubectl's tabwriter (min width 6, padding 3, last column unpadded).
 */
import type { Table } from "./build-table.ts";
import { formatLabels } from "./format.ts";

export interface RenderTextOptions {
  wide?: boolean;
  showLabels?: boolean;
  namespaceColumn?: boolean;
  noHeaders?: boolean;
}

// kubectl's GetNewTabWriter: minwidth 6, padding 3, pad with spaces.
const MIN_WIDTH = 6;
const PADDING = 3;

/** A cell as Go's fmt.Fprint shows it; strings stop at the first newline with "...". */
function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "string") {
    const nl = cell.indexOf("\n");
    return nl >= 0 ? `${cell.slice(0, nl)}...` : cell;
  }
  if (typeof cell === "number" || typeof cell === "boolean" || typeof cell === "bigint") return String(cell);
  return JSON.stringify(cell);
}

function width(s: string): number {
  return [...s].length;
}

/** Lay out lines of cells: every column but the last padded to its widest cell plus padding. */
export function layoutColumns(lines: string[][]): string {
  const columns = Math.max(0, ...lines.map((l) => l.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) {
    widths[c] = Math.max(MIN_WIDTH, ...lines.map((l) => (c < l.length - 1 ? width(l[c]!) + PADDING : 0)));
  }
  return lines
    .map((l) => l.map((cell, c) => (c === l.length - 1 ? cell : cell + " ".repeat(widths[c]! - width(cell)))).join(""))
    .map((line) => `${line}\n`)
    .join("");
}

export function renderTableText(table: Table, opts: RenderTextOptions = {}): string {
  // kubectl prints nothing (not even headers) for an empty table; it says "No resources found" elsewhere.
  if (table.rows.length === 0) return "";
  return layoutColumns(tableCells(table, opts));
}

/** The cells kubectl prints for a table, header line first (for callers that add a column, as `get -w --output-watch-events` does). */
export function tableCells(table: Table, opts: RenderTextOptions = {}): string[][] {
  const defs = table.columnDefinitions ?? [];
  const shown = defs.map((d, i) => ({ d, i })).filter(({ d }) => opts.wide || d.priority === 0);

  const lines: string[][] = [];
  if (!opts.noHeaders) {
    const header = shown.map(({ d }) => d.name.toUpperCase());
    if (opts.namespaceColumn) header.unshift("NAMESPACE");
    if (opts.showLabels) header.push("LABELS");
    lines.push(header);
  }
  for (const row of table.rows) {
    const meta = row.object?.metadata;
    const line = shown.map(({ i }) => cellText(row.cells[i]));
    if (opts.namespaceColumn) line.unshift(meta?.namespace ?? "");
    if (opts.showLabels) line.push(meta ? formatLabels(meta.labels) : "");
    lines.push(line);
  }
  return lines;
}

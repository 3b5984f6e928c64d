/**
 * kubectl's `-o custom-columns=HEADER:PATH,…` (and `custom-columns-file`): one row per
 * object, each cell every value the path finds joined by commas (Go's fmt.Sprint of each),
 * `<none>` when it finds none; laid out by the same tabwriter as tables.
 */
import { layoutColumns } from "../../../api/table/index.ts";
import { JsonPath, relaxedJsonPath } from "./jsonpath.ts";

export interface Column {
  header: string;
  path: JsonPath;
}

export function parseCustomColumns(spec: string): Column[] {
  if (!spec) throw new Error("custom-columns format specified but no custom columns given");
  return spec.split(",").map((part) => {
    const colon = part.indexOf(":");
    if (colon < 0) throw new Error(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return { header: part.slice(0, colon), path: new JsonPath(relaxedJsonPath(part.slice(colon + 1)), { allowMissingKeys: true }) };
  });
}

/** A file with a header line and a line of paths, columns separated by whitespace. */
export function parseCustomColumnsFile(text: string): Column[] {
  const lines = text.split("\n").filter((l) => l.trim());
  if (lines.length !== 2) throw new Error(`unexpected custom-columns template: expected 2 lines, found ${lines.length}`);
  const headers = lines[0]!.trim().split(/\s+/);
  const paths = lines[1]!.trim().split(/\s+/);
  if (headers.length !== paths.length) throw new Error(`number of headers (${headers.length}) does not match number of paths (${paths.length})`);
  return headers.map((h, i) => ({ header: h, path: new JsonPath(relaxedJsonPath(paths[i]!), { allowMissingKeys: true }) }));
}

export function renderCustomColumns(columns: Column[], objects: unknown[], o: { noHeaders?: boolean } = {}): string {
  const lines: string[][] = [];
  if (!o.noHeaders) lines.push(columns.map((c) => c.header));
  for (const obj of objects) {
    lines.push(columns.map((c) => {
      const values = c.path.values(obj).flat().filter((v) => v !== undefined);
      return values.length ? values.map(goSprint).join(",") : "<none>";
    }));
  }
  return layoutColumns(lines);
}

/** Go's fmt.Sprint of a decoded JSON value: `map[k:v]`, `[a b]`, `<nil>`. */
export function goSprint(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goSprint).join(" ")}]`;
  if (typeof v === "object") return `map[${Object.keys(v).sort().map((k) => `${k}:${goSprint((v as any)[k])}`).join(" ")}]`;
  return String(v);
}

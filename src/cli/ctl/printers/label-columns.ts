/**
 * `get -L key1,key2 -L key3`: one column per label key after the server's columns, headed by
 * the key's last path segment (`app.kubernetes.io/name` → NAME), empty where a row has no such
 * label — as kubectl adds them to a server-side table.
 */
import type { Table } from "../../../api/table/index.ts";

export function labelColumnKeys(flags: string[] | undefined): string[] {
  return (flags ?? []).flatMap((f) => f.split(",")).map((k) => k.trim()).filter(Boolean);
}

export function addLabelColumns(table: Table, keys: string[]): Table {
  if (!keys.length) return table;
  const defs = [...(table.columnDefinitions ?? []), ...keys.map((k) => ({ name: k.slice(k.lastIndexOf("/") + 1), type: "string", format: "", description: `the ${k} label`, priority: 0 }))];
  const rows = table.rows.map((row) => {
    const labels: Record<string, string> = (row.object as any)?.metadata?.labels ?? {};
    return { ...row, cells: [...row.cells, ...keys.map((k) => labels[k] ?? "")] };
  });
  return { ...table, columnDefinitions: defs as Table["columnDefinitions"], rows };
}

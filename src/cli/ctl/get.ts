/** `k3rs ctl get`: tables from the server (as kubectl prints them), or yaml / json / name. */
import YAML from "yaml";
import { renderTableText, type Table } from "../../api/table/index.ts";
import { resourcePath, type ApiResource } from "../../client/discovery.ts";
import type { CtlContext } from "./context.ts";

export interface GetOptions {
  output?: string;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  showLabels?: boolean;
  noHeaders?: boolean;
}

const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/** `pods`, `pods,svc`, `pod/web`, `pods web db` → [(resource, names)]. */
export async function parseTargets(ctx: CtlContext, args: string[]): Promise<{ r: ApiResource; names: string[] }[]> {
  if (args.length === 0) throw new Error("you must specify the type of resource to get");
  if (args.every((a) => a.includes("/"))) {
    const out: { r: ApiResource; names: string[] }[] = [];
    for (const a of args) {
      const [type, name] = a.split("/") as [string, string];
      out.push({ r: await ctx.discovery.resolve(type), names: [name] });
    }
    return out;
  }
  const [types, ...names] = args;
  return Promise.all(types!.split(",").map(async (t) => ({ r: await ctx.discovery.resolve(t), names })));
}

export async function runGet(ctx: CtlContext, args: string[], o: GetOptions): Promise<number> {
  const targets = await parseTargets(ctx, args);
  const format = o.output ?? "";
  const objects: any[] = [];
  let printed = false;
  let first = true;
  // kubectl names rows `deployment.apps/web` once more than one type is asked for.
  const withKind = new Set(targets.map((t) => `${t.r.group}/${t.r.plural}`)).size > 1;
  for (const { r, names } of targets) {
    const ns = o.allNamespaces ? undefined : ctx.namespace;
    const query = { labelSelector: o.selector, fieldSelector: o.fieldSelector };
    if (format === "" || format === "wide") {
      const tables: Table[] = [];
      if (names.length) for (const n of names) tables.push(await ctx.client.request(resourcePath(r, ns, n), { accept: TABLE_ACCEPT }));
      else tables.push(await ctx.client.request(resourcePath(r, ns), { accept: TABLE_ACCEPT, query }));
      const merged: Table = { ...tables[0]!, rows: tables.flatMap((t) => t.rows) };
      if (withKind) prefixNames(merged, `${r.singular}${r.group ? `.${r.group}` : ""}/`);
      const text = renderTableText(merged, { wide: format === "wide", showLabels: o.showLabels, namespaceColumn: !!o.allNamespaces && r.namespaced, noHeaders: o.noHeaders });
      if (text) {
        if (!first) ctx.out("\n");
        ctx.out(text.endsWith("\n") ? text : text + "\n");
        printed = true;
        first = false;
      }
    } else {
      if (names.length) for (const n of names) objects.push(await ctx.client.request(resourcePath(r, ns, n)));
      else {
        const list = await ctx.client.request(resourcePath(r, ns), { query });
        for (const item of list.items ?? []) objects.push({ apiVersion: list.apiVersion, kind: list.kind.replace(/List$/, ""), ...item });
      }
    }
  }
  if (format === "" || format === "wide") {
    if (!printed) ctx.err(o.allNamespaces || !targets.some((t) => t.r.namespaced) ? "No resources found\n" : `No resources found in ${ctx.namespace} namespace.\n`);
    return 0;
  }
  const single = targets.length === 1 && targets[0]!.names.length === 1;
  const doc = single ? objects[0] : { apiVersion: "v1", kind: "List", items: objects, metadata: { resourceVersion: "" } };
  switch (format) {
    case "json":
      ctx.out(JSON.stringify(doc, null, 4) + "\n");
      return 0;
    case "yaml":
      ctx.out(YAML.stringify(doc));
      return 0;
    case "name":
      for (const obj of objects) {
        const t = targets.find((x) => x.r.kind === obj.kind) ?? targets[0]!;
        ctx.out(`${t.r.singular}${t.r.group ? `.${t.r.group}` : ""}/${obj.metadata.name}\n`);
      }
      return 0;
    default:
      throw new Error(`unable to match a printer suitable for the output format "${format}", allowed formats are: json,name,wide,yaml`);
  }
}

function prefixNames(table: Table, prefix: string): void {
  const col = (table.columnDefinitions ?? []).findIndex((c) => c.name === "Name");
  if (col < 0) return;
  table.rows = table.rows.map((row) => ({ ...row, cells: row.cells.map((c, i) => (i === col ? prefix + String(c) : c)) }));
}

/**
 * `k3rs ctl get`: tables from the server (as kubectl prints them), or objects through kubectl's
 * printers (yaml, json, name, jsonpath, custom-columns); `-w` keeps printing what changes.
 */
import { renderTableText, tableCells, type Table } from "../../api/table/index.ts";
import { resourcePath, type ApiResource } from "../../client/discovery.ts";
import { isStatusError } from "../../model/errors.ts";
import type { CtlContext } from "./context.ts";
import { addLabelColumns, labelColumnKeys } from "./printers/label-columns.ts";
import { sortOrder } from "./printers/sort-by.ts";
import { relaxedJsonPath } from "./printers/jsonpath.ts";
import { GrowingColumns } from "./printers/watch-columns.ts";
import { objectPrinter, toYaml, goIndentJson, nameOf, type ObjectPrinter } from "./printers/object-printer.ts";

export interface GetOptions {
  output?: string;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  showLabels?: boolean;
  noHeaders?: boolean;
  showManagedFields?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
  outputWatchEvents?: boolean;
  /** `-L`: label keys shown as columns. */
  labelColumns?: string[];
  /** Named objects that are missing are skipped, and an empty result says nothing. */
  ignoreNotFound?: boolean;
  /** Names read `kind/name` even for one type. */
  showKind?: boolean;
  /** `--sort-by`: a JSONPath into each object. */
  sortBy?: string;
  /** Stops a watch (tests); a real run ends when the server ends the watch or on ^C. */
  signal?: AbortSignal;
}

const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

export interface Target {
  r: ApiResource;
  names: string[];
}

/** `pods`, `pods,svc`, `pod/web`, `pods web db` → [(resource, names)]. */
export async function parseTargets(ctx: CtlContext, args: string[]): Promise<Target[]> {
  if (args.length === 0) throw new Error("you must specify the type of resource to get");
  if (args.every((a) => a.includes("/"))) {
    const out: Target[] = [];
    for (const a of args) {
      const [type, name] = a.split("/") as [string, string];
      out.push({ r: await ctx.discovery.resolve(type), names: [name] });
    }
    return out;
  }
  if (args.some((a) => a.includes("/"))) throw new Error("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'");
  const [types, ...names] = args;
  const out: Target[] = [];
  for (const t of types!.split(",")) {
    // A category (`all`) stands for every resource that lists it, in discovery order, as kubectl expands it first.
    const members = (await ctx.discovery.all()).filter((r) => r.categories?.includes(t));
    if (members.length) out.push(...members.map((r) => ({ r, names })));
    else out.push({ r: await ctx.discovery.resolve(t), names });
  }
  return out;
}

export async function runGet(ctx: CtlContext, args: string[], o: GetOptions): Promise<number> {
  const targets = await parseTargets(ctx, args);
  const printer = objectPrinter(o.output ?? "", { noHeaders: o.noHeaders, showManagedFields: o.showManagedFields });
  if (o.watch || o.watchOnly) return watchGet(ctx, targets, o, printer);
  return printer ? getObjects(ctx, targets, o, printer) : getTables(ctx, targets, o);
}

async function getTables(ctx: CtlContext, targets: Target[], o: GetOptions): Promise<number> {
  // kubectl sorts the list it got: of several types or names that is a list of tables, where no field is found.
  const objects = targets.reduce((n, t) => n + Math.max(1, t.names.length), 0);
  if (o.sortBy && objects > 1 && targets.length + targets[0]!.names.length > 1) throw missingSortField(o.sortBy);
  let printed = false;
  // kubectl names rows `deployment.apps/web` once more than one type is asked for.
  const withKind = o.showKind || new Set(targets.map((t) => `${t.r.group}/${t.r.plural}`)).size > 1;
  for (const { r, names } of targets) {
    const merged = addLabelColumns(sortTable(await fetchTable(ctx, r, names, o), o.sortBy), labelColumnKeys(o.labelColumns));
    if (withKind) prefixNames(merged, `${r.singular}${r.group ? `.${r.group}` : ""}/`);
    const text = renderTableText(merged, renderOptions(r, o));
    if (text) {
      if (printed) ctx.out("\n");
      ctx.out(text.endsWith("\n") ? text : text + "\n");
      printed = true;
    }
  }
  if (!printed && !o.ignoreNotFound) ctx.err(noResources(ctx, targets, o));
  return 0;
}

function renderOptions(r: ApiResource, o: GetOptions) {
  return { wide: o.output === "wide", showLabels: o.showLabels, namespaceColumn: !!o.allNamespaces && r.namespaced, noHeaders: o.noHeaders };
}

function noResources(ctx: CtlContext, targets: Target[], o: GetOptions): string {
  return o.allNamespaces || !targets.some((t) => t.r.namespaced) ? "No resources found\n" : `No resources found in ${ctx.namespace} namespace.\n`;
}

async function fetchTable(ctx: CtlContext, r: ApiResource, names: string[], o: GetOptions): Promise<Table & { metadata?: { resourceVersion?: string } }> {
  const ns = o.allNamespaces ? undefined : ctx.namespace;
  const tables: Table[] = [];
  if (names.length) {
    for (const n of names) {
      const t = await ignoreMissing(o, () => ctx.client.request<Table>(resourcePath(r, ns, n), { accept: TABLE_ACCEPT }));
      if (t) tables.push(t);
    }
    if (!tables.length) return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: {}, columnDefinitions: [], rows: [] };
  }
  // Sorting needs whole objects in the rows, not only their metadata.
  else tables.push(await ctx.client.request(resourcePath(r, ns), { accept: TABLE_ACCEPT, query: { labelSelector: o.selector, fieldSelector: o.fieldSelector, includeObject: o.sortBy ? "Object" : undefined } }));
  return { ...tables[0]!, rows: tables.flatMap((t) => t.rows) };
}

async function fetchObjects(ctx: CtlContext, r: ApiResource, names: string[], o: GetOptions): Promise<{ items: any[]; resourceVersion?: string }> {
  const ns = o.allNamespaces ? undefined : ctx.namespace;
  if (names.length) return { items: (await Promise.all(names.map((n) => ignoreMissing(o, () => ctx.client.request(resourcePath(r, ns, n)))))).filter((i) => i !== undefined) };
  const list = await ctx.client.request(resourcePath(r, ns), { query: { labelSelector: o.selector, fieldSelector: o.fieldSelector } });
  return { items: (list.items ?? []).map((item: any) => ({ apiVersion: list.apiVersion, kind: String(list.kind).replace(/List$/, ""), ...item })), resourceVersion: list.metadata?.resourceVersion };
}

async function getObjects(ctx: CtlContext, targets: Target[], o: GetOptions, printer: ObjectPrinter): Promise<number> {
  const objects: any[] = [];
  for (const { r, names } of targets) objects.push(...(await fetchObjects(ctx, r, names, o)).items);
  const single = targets.length === 1 && targets[0]!.names.length === 1;
  if (o.sortBy && !single) {
    // Objects of every type asked for are sorted together.
    const order = sortOrder(objects, o.sortBy);
    if (!order) throw missingSortField(o.sortBy);
    objects.splice(0, objects.length, ...order.map((i) => objects[i]));
  }
  // No "No resources found" here: kubectl prints only what the printer makes of an empty List.
  // --ignore-not-found of a missing object prints nothing at all, not an empty List.
  if (o.ignoreNotFound && !objects.length && targets.every((t) => t.names.length)) return 0;
  const doc = single ? objects[0] : { apiVersion: "v1", items: objects, kind: "List", metadata: { resourceVersion: "" } };
  ctx.out(printer.print(doc, objects));
  return 0;
}

/**
 * kubectl's `get -w`: the current state (unless --watch-only), then one line per change. The
 * first table prints with its header; later rows are laid out on their own, as kubectl's
 * tabwriter flushes each event (so columns need not line up).
 */
async function watchGet(ctx: CtlContext, targets: Target[], o: GetOptions, printer: ObjectPrinter | undefined): Promise<number> {
  if (targets.length !== 1) throw new Error("you may only specify a single resource type");
  const { r, names } = targets[0]!;
  if (names.length > 1) throw new Error("watch is only supported on individual resources and resource collections, but 2 resources were found");
  const ns = o.allNamespaces ? undefined : ctx.namespace;
  const fieldSelector = names.length ? [o.fieldSelector, `metadata.name=${names[0]}`].filter(Boolean).join(",") : o.fieldSelector;
  const q = { ...o, fieldSelector };
  let rv: string | undefined;
  let columns: Table["columnDefinitions"] | undefined;
  const layout = new GrowingColumns();
  let headerDone = !!o.noHeaders;
  // kubectl pads the event type to eight characters (`%-8s`), whatever the longest one seen.
  const lines = (t: Table, type: string): string[][] => {
    const cells = tableCells(t, { ...renderOptions(r, o), noHeaders: headerDone });
    const withHeader = !headerDone;
    headerDone = true;
    return o.outputWatchEvents ? cells.map((c, i) => [(withHeader && i === 0 ? "EVENT" : type).padEnd(8), ...c]) : cells;
  };
  if (printer) {
    const { items, resourceVersion } = await fetchObjects(ctx, r, [], q);
    rv = resourceVersion;
    if (!o.watchOnly) for (const item of items) ctx.out(printObjectEvent(o.output ?? "", printer, item, "ADDED", o.outputWatchEvents));
  } else {
    const first = await fetchTable(ctx, r, [], q);
    columns = first.columnDefinitions;
    rv = first.metadata?.resourceVersion;
    // An empty list prints nothing under -w, not even "No resources found".
    if (!o.watchOnly && first.rows.length) ctx.out(layout.layout(lines(first, "ADDED")));
  }
  const query = { resourceVersion: rv, labelSelector: o.selector, fieldSelector, allowWatchBookmarks: false };
  for await (const ev of ctx.client.watch(resourcePath(r, ns), { query, accept: printer ? "application/json" : TABLE_ACCEPT, signal: o.signal })) {
    if (ev.type === "BOOKMARK") continue;
    if (printer) {
      ctx.out(printObjectEvent(o.output ?? "", printer, ev.object, ev.type, o.outputWatchEvents));
      continue;
    }
    // The server sends column definitions with the first table event only.
    if (ev.object.columnDefinitions?.length) columns = ev.object.columnDefinitions;
    const t: Table = { ...ev.object, columnDefinitions: columns ?? [] };
    if (t.rows?.length) ctx.out(layout.layout(lines(t, ev.type)));
  }
  return 0;
}

/** One watched object as kubectl prints it: yaml documents separated by `---`, json whole, name one line. */
function printObjectEvent(format: string, printer: ObjectPrinter, obj: any, type: string, withEvent?: boolean): string {
  const doc = withEvent ? { type, object: obj } : obj;
  if (format === "yaml") return `---\n${toYaml(doc)}`;
  if (format === "json") return goIndentJson(doc) + "\n";
  if (format === "name") return withEvent ? `${type} ${nameOf(obj)}\n` : `${nameOf(obj)}\n`;
  return printer.print(doc, [doc]);
}

/**
 * Rows in --sort-by order. When no object has the field kubectl prints no row at all (and
 * then says "No resources found"), so the table comes back empty.
 */
function sortTable<T extends Table>(table: T, sortBy: string | undefined): T {
  if (!sortBy) return table;
  let order: number[] | undefined;
  try {
    order = sortOrder(table.rows.map((row) => row.object), sortBy);
  } catch {
    return table; // kubectl prints a table as it came when the path does not parse
  }
  return { ...table, rows: (order ?? []).map((i) => table.rows[i]!) };
}

function missingSortField(sortBy: string): Error {
  return new Error(`couldn't find any field with path "${relaxedJsonPath(sortBy)}" in the list of objects`);
}

/** The request's answer, or undefined when it is a NotFound that --ignore-not-found lets pass. */
async function ignoreMissing<T>(o: GetOptions, fetch: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fetch();
  } catch (e) {
    if (o.ignoreNotFound && isStatusError(e, "NotFound")) return undefined;
    throw e;
  }
}

function prefixNames(table: Table, prefix: string): void {
  const col = (table.columnDefinitions ?? []).findIndex((c) => c.name === "Name");
  if (col < 0) return;
  table.rows = table.rows.map((row) => ({ ...row, cells: row.cells.map((c, i) => (i === col ? prefix + String(c) : c)) }));
}

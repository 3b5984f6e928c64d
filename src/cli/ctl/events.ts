/**
 * `k3rs ctl events`: a namespace's (or every namespace's) Events, oldest first, in kubectl's
 * own layout (`LAST SEEN  TYPE  REASON  OBJECT  MESSAGE`, repeats as `(xN over …)`), filtered
 * by `--for` and `--types`; `-w` prints each new or updated Event as it comes.
 */
import type { Command } from "commander";
import { since } from "../../api/table/index.ts";
import type { CtlApp } from "./command.ts";
import type { CtlContext } from "./context.ts";
import { objectPrinter } from "./printers/object-printer.ts";
import { GrowingColumns } from "./printers/watch-columns.ts";

export interface EventsOptions {
  allNamespaces?: boolean;
  for?: string;
  types?: string;
  watch?: boolean;
  noHeaders?: boolean;
  output?: string;
  signal?: AbortSignal;
}

/** When kubectl considers an event to have happened: the series' last sighting, else lastTimestamp, else eventTime. */
export function eventTime(e: any): number {
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime;
  return t ? Date.parse(t) : 0;
}

/** kubectl's LAST SEEN cell. */
export function interval(e: any, now: Date): string {
  const first = e.eventTime ? since(e.eventTime, now) : since(e.firstTimestamp, now);
  if (e.series) return `${since(e.series.lastObservedTime, now)} (x${e.series.count} over ${first})`;
  if ((e.count ?? 0) > 1) return `${since(e.lastTimestamp, now)} (x${e.count} over ${first})`;
  return first;
}

export function eventCells(e: any, now: Date, allNamespaces: boolean): string[] {
  const cells = [interval(e, now), e.type ?? "", e.reason ?? "", `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`, String(e.message ?? "").trim()];
  return allNamespaces ? [e.metadata?.namespace ?? "", ...cells] : cells;
}

function header(allNamespaces: boolean): string[] {
  return [...(allNamespaces ? ["NAMESPACE"] : []), "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
}

export async function runEvents(ctx: CtlContext, o: EventsOptions, now: () => Date = () => new Date()): Promise<number> {
  const ns = o.allNamespaces ? undefined : ctx.namespace;
  const path = `/api/v1/${ns ? `namespaces/${encodeURIComponent(ns)}/` : ""}events`;
  let fieldSelector: string | undefined;
  if (o.for) {
    const slash = o.for.indexOf("/");
    if (slash < 0) throw new Error(`--for must be in resource/name form`);
    const r = await ctx.discovery.resolve(o.for.slice(0, slash));
    const name = o.for.slice(slash + 1);
    fieldSelector = `involvedObject.kind=${r.kind},involvedObject.name=${name}`;
  }
  const types = o.types ? o.types.split(",").map((t) => t.trim()) : [];
  for (const t of types) if (!["Normal", "Warning"].some((x) => x.toLowerCase() === t.toLowerCase())) throw new Error(`valid --types are Normal or Warning`);
  const wanted = (e: any) => !types.length || types.some((t) => t.toLowerCase() === String(e.type ?? "").toLowerCase());
  const list = await ctx.client.request(path, { query: { fieldSelector } });
  const listed = ((list.items ?? []) as any[]).filter(wanted);
  // Oldest first (a stable sort: Go's sort.Sort keeps ties in list order for short lists, as
  // here); under -w kubectl prints them as the server listed them.
  const items = o.watch ? listed : listed.sort((a, b) => eventTime(a) - eventTime(b));
  const printer = objectPrinter(o.output ?? "");
  if (printer) {
    const withKind = items.map((i) => ({ apiVersion: "v1", kind: "Event", ...i }));
    ctx.out(printer.print({ apiVersion: "v1", items: withKind, kind: "EventList", metadata: { resourceVersion: "" } }, withKind));
  }
  const layout = new GrowingColumns();
  const all = !!o.allNamespaces;
  let headerDone = !!o.noHeaders;
  const print = (evs: any[]) => {
    if (!evs.length) return;
    const lines = evs.map((e) => eventCells(e, now(), all));
    if (!headerDone) lines.unshift(header(all));
    headerDone = true;
    ctx.out(layout.layout(lines));
  };
  if (!printer) {
    if (!items.length && !o.watch) ctx.err(all ? "No events found.\n" : `No events found in ${ctx.namespace} namespace.\n`);
    // Under -w each event is its own flush, so columns widen row by row as kubectl's do.
    if (o.watch) for (const e of items) print([e]);
    else print(items);
  }
  if (!o.watch) return 0;
  for await (const ev of ctx.client.watch(path, { query: { fieldSelector, resourceVersion: list.metadata?.resourceVersion }, signal: o.signal })) {
    if (ev.type === "BOOKMARK" || ev.type === "DELETED" || !wanted(ev.object)) continue;
    if (printer) ctx.out(printer.print({ apiVersion: "v1", kind: "Event", ...ev.object }, [ev.object]));
    else print([ev.object]);
  }
  return 0;
}

export function registerEvents(app: CtlApp): void {
  app
    .verb("events")
    .description("List events")
    .option("-A, --all-namespaces", "events of every namespace")
    .option("--for <resource>", "only events about this object (TYPE/NAME)")
    .option("--types <types>", "only events of these types (Normal,Warning)")
    .option("-w, --watch", "after listing, watch for more events")
    .option("--no-headers", "omit the header line")
    .option("-o, --output <format>", "json|yaml|name|jsonpath=…")
    .action(app.action((ctx, cmd: Command) => {
      const opts = cmd.opts();
      return runEvents(ctx, { ...opts, noHeaders: opts.headers === false });
    }));
}

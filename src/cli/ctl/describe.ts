/**
 * `k3rs ctl describe`: one generic describer in kubectl's layout — identity, labels and
 * annotations, the object's spec and status as indented fields, then its Events.
 */
import { resourcePath } from "../../client/discovery.ts";
import { since } from "../../api/table/index.ts";
import type { CtlContext } from "./context.ts";

/** Labels print as `k=v`, annotations as `k: v`, as kubectl prints them. */
function mapLines(label: string, m: Record<string, string> | undefined, sep = "="): string {
  const entries = Object.entries(m ?? {}).filter(([k]) => k !== "kubectl.kubernetes.io/last-applied-configuration");
  if (!entries.length) return `${label.padEnd(14)}<none>\n`;
  return entries.map(([k, v], i) => `${(i === 0 ? label : "").padEnd(14)}${k}${sep}${v}`).join("\n") + "\n";
}

/** Nested fields as `Key:  value` lines, two spaces per level, like kubectl's describers. */
export function fields(value: unknown, indent: number): string {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}<none>\n`;
    return value.map((v) => (v && typeof v === "object" ? fields(v, indent).replace(new RegExp(`^${pad}`), `${pad.slice(2)}- `) : `${pad}${String(v)}\n`)).join("");
  }
  if (value && typeof value === "object") {
    let out = "";
    for (const [k, v] of Object.entries(value)) {
      const key = k.charAt(0).toUpperCase() + k.slice(1);
      if (v && typeof v === "object" && (Array.isArray(v) ? v.length : Object.keys(v).length)) out += `${pad}${key}:\n${fields(v, indent + 2)}`;
      else out += `${pad}${(key + ":").padEnd(Math.max(14 - indent, key.length + 2))}${v && typeof v === "object" ? "<none>" : String(v)}\n`;
    }
    return out;
  }
  return `${pad}${String(value)}\n`;
}

export async function runDescribe(ctx: CtlContext, args: string[]): Promise<number> {
  const [type, ...rest] = args;
  if (!type) throw new Error("You must specify the type of resource to describe. Use \"k3rs ctl api-resources\" for a complete list of supported resources.");
  let names = rest;
  let t = type;
  if (type.includes("/")) [t, names] = [type.split("/")[0]!, [type.split("/")[1]!]];
  const r = await ctx.discovery.resolve(t);
  const ns = r.namespaced ? ctx.namespace : undefined;
  if (!names.length) names = ((await ctx.client.request(resourcePath(r, ns))).items ?? []).map((i: any) => i.metadata.name);
  let first = true;
  for (const name of names) {
    const obj = await ctx.client.request(resourcePath(r, ns, name));
    const m = obj.metadata;
    // kubectl's order: name, namespace, uid; the uid keeps events of an older namesake out.
    const selector = [`involvedObject.name=${m.name}`, ...(m.namespace ? [`involvedObject.namespace=${m.namespace}`] : []), `involvedObject.uid=${m.uid}`].join(",");
    const events = await ctx.client.request(`/api/v1/${m.namespace ? `namespaces/${encodeURIComponent(m.namespace)}/` : ""}events`, { query: { fieldSelector: selector } });
    ctx.out((first ? "" : "\n\n") + renderDescription(obj, events.items ?? [], new Date()));
    first = false;
  }
  return 0;
}

/** The whole text for one object and its events (pure, so that layout is unit-tested). */
export function renderDescription(obj: any, events: any[], now: Date): string {
  const m = obj.metadata ?? {};
  let out = `${"Name:".padEnd(14)}${m.name}\n`;
  if (m.namespace) out += `${"Namespace:".padEnd(14)}${m.namespace}\n`;
  out += mapLines("Labels:", m.labels);
  out += mapLines("Annotations:", m.annotations, ": ");
  if (m.creationTimestamp) out += `CreationTimestamp:  ${new Date(m.creationTimestamp).toUTCString().replace("GMT", "+0000")}\n`;
  if (m.deletionTimestamp) out += `DeletionTimestamp:  ${new Date(m.deletionTimestamp).toUTCString().replace("GMT", "+0000")}\n`;
  // ConfigMaps and Secrets carry data, not spec; Secrets' values are never printed.
  for (const section of ["spec", "data", "stringData", "status"]) {
    let v = obj[section];
    if (!v || typeof v !== "object" || !Object.keys(v).length) continue;
    if (section === "data" && obj.kind === "Secret") v = Object.fromEntries(Object.entries(v).map(([k, b]) => [k, `${Buffer.from(String(b), "base64").length} bytes`]));
    out += `${section.charAt(0).toUpperCase() + section.slice(1)}:\n${fields(v, 2)}`;
  }
  if (!events.length) return out + "Events:       <none>\n";
  const rows = events.map((e) => [e.type ?? "", e.reason ?? "", since(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp, now), e.source?.component ?? e.reportingComponent ?? "", e.message ?? ""]);
  return out + "Events:\n" + eventTable(rows);
}

/** kubectl's describe event block: Title-case header, a dashed rule, columns two spaces apart (Go's tabwriter), last column unpadded. */
function eventTable(rows: string[][]): string {
  const head = ["Type", "Reason", "Age", "From", "Message"];
  const all = [head, head.map((h) => "-".repeat(h.length)), ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  return all.map((r) => "  " + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 2))).join("")).join("\n") + "\n";
}

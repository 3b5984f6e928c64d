/**
 * `k3rs ctl describe`: one generic describer in kubectl's layout — identity, labels and
 * annotations, the object's spec and status as indented fields, then its Events.
 */
import { resourcePath } from "../../client/discovery.ts";
import { renderTableText, since } from "../../api/table/index.ts";
import type { CtlContext } from "./context.ts";

function mapLines(label: string, m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {}).filter(([k]) => k !== "kubectl.kubernetes.io/last-applied-configuration");
  if (!entries.length) return `${label.padEnd(14)}<none>\n`;
  return entries.map(([k, v], i) => `${(i === 0 ? label : "").padEnd(14)}${k}=${v}`).join("\n") + "\n";
}

/** Nested fields as `Key:  value` lines, two spaces per level, like kubectl's describers. */
function fields(value: unknown, indent: number): string {
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
  if (!type) throw new Error("You must specify the type of resource to describe.");
  let names = rest;
  let t = type;
  if (type.includes("/")) [t, names] = [type.split("/")[0]!, [type.split("/")[1]!]];
  const r = await ctx.discovery.resolve(t);
  const ns = r.namespaced ? ctx.namespace : undefined;
  if (!names.length) names = ((await ctx.client.request(resourcePath(r, ns))).items ?? []).map((i: any) => i.metadata.name);
  const now = new Date();
  let first = true;
  for (const name of names) {
    const obj = await ctx.client.request(resourcePath(r, ns, name));
    const m = obj.metadata;
    let out = first ? "" : "\n\n";
    first = false;
    out += `${"Name:".padEnd(14)}${m.name}\n`;
    if (m.namespace) out += `${"Namespace:".padEnd(14)}${m.namespace}\n`;
    out += mapLines("Labels:", m.labels);
    out += mapLines("Annotations:", m.annotations);
    out += `${"CreationTimestamp:".padEnd(14)} ${m.creationTimestamp}\n`;
    for (const section of ["spec", "data", "status"]) {
      if (obj[section] && typeof obj[section] === "object" && Object.keys(obj[section]).length) {
        out += `${section.charAt(0).toUpperCase() + section.slice(1)}:\n${fields(obj[section], 2)}`;
      }
    }
    const selector = [`involvedObject.name=${m.name}`, `involvedObject.uid=${m.uid}`, ...(m.namespace ? [`involvedObject.namespace=${m.namespace}`] : [])].join(",");
    const events = await ctx.client.request(`/api/v1/${m.namespace ? `namespaces/${m.namespace}/` : ""}events`, { query: { fieldSelector: selector } });
    const items: any[] = events.items ?? [];
    if (!items.length) out += "Events:       <none>\n";
    else {
      const rows = items.map((e) => [e.type ?? "", e.reason ?? "", since(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp, now), e.source?.component ?? e.reportingComponent ?? "", e.message ?? ""]);
      const table = { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: {}, columnDefinitions: ["Type", "Reason", "Age", "From", "Message"].map((n) => ({ name: n, type: "string", format: "", description: "", priority: 0 })), rows: rows.map((cells) => ({ cells, object: null })) } as any;
      out += "Events:\n" + renderTableText(table).split("\n").filter(Boolean).map((l) => "  " + l).join("\n") + "\n";
    }
    ctx.out(out);
  }
  return 0;
}

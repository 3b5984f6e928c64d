/**
 * `k3rs ctl top node|pod`: usage from metrics.k8s.io in kubectl's layout — millicores, MiB,
 * and for nodes the share of allocatable; nodes without metrics as `<unknown>` rows.
 */
import type { Command } from "commander";
import { layoutColumns } from "../../api/table/index.ts";
import { parseQuantity } from "../../model/quantity.ts";
import type { CtlApp } from "./command.ts";
import type { CtlContext } from "./context.ts";

const MI = 1024n * 1024n;

/** kubectl's top printer writes a tab after every cell, so the last column is padded too. */
function table(lines: string[][]): string {
  return layoutColumns(lines.map((l) => [...l, ""]));
}

const milli = (q: string | undefined) => (q ? parseQuantity(q).milli() : 0n);
const bytes = (q: string | undefined) => (q ? parseQuantity(q).value() : 0n);

export function renderTopNodes(metrics: any[], nodes: any[], o: { noHeaders?: boolean; sortBy?: string; showCapacity?: boolean }): string {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  let items = metrics.filter((m) => byName.has(m.metadata.name));
  if (o.sortBy === "cpu") items = [...items].sort((a, b) => Number(milli(b.usage?.cpu) - milli(a.usage?.cpu)));
  if (o.sortBy === "memory") items = [...items].sort((a, b) => Number(bytes(b.usage?.memory) - bytes(a.usage?.memory)));
  const lines: string[][] = o.noHeaders ? [] : [["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]];
  for (const m of items) {
    const node = byName.get(m.metadata.name);
    const avail = (o.showCapacity ? node.status?.capacity : node.status?.allocatable) ?? {};
    const cpu = milli(m.usage?.cpu);
    const mem = bytes(m.usage?.memory);
    const cpuAvail = milli(avail.cpu);
    const memAvail = bytes(avail.memory);
    lines.push([m.metadata.name, `${cpu}m`, `${cpuAvail ? (cpu * 100n) / cpuAvail : 0n}%`, `${mem / MI}Mi`, `${memAvail ? (mem * 100n) / memAvail : 0n}%`]);
  }
  const measured = new Set(metrics.map((m) => m.metadata.name));
  for (const n of nodes) if (!measured.has(n.metadata.name)) lines.push([n.metadata.name, "<unknown>", "<unknown>", "<unknown>", "<unknown>"]);
  return table(lines);
}

export function renderTopPods(metrics: any[], o: { noHeaders?: boolean; containers?: boolean; allNamespaces?: boolean; sortBy?: string; sum?: boolean }): string {
  const sumCpu = (m: any) => (m.containers ?? []).reduce((a: bigint, c: any) => a + milli(c.usage?.cpu), 0n);
  const sumMem = (m: any) => (m.containers ?? []).reduce((a: bigint, c: any) => a + bytes(c.usage?.memory), 0n);
  let items = [...metrics];
  if (o.sortBy === "cpu") items.sort((a, b) => Number(sumCpu(b) - sumCpu(a)));
  if (o.sortBy === "memory") items.sort((a, b) => Number(sumMem(b) - sumMem(a)));
  const head = [...(o.allNamespaces ? ["NAMESPACE"] : []), ...(o.containers ? ["POD", "NAME"] : ["NAME"]), "CPU(cores)", "MEMORY(bytes)"];
  const lines: string[][] = o.noHeaders ? [] : [head];
  for (const m of items) {
    const ns = o.allNamespaces ? [m.metadata.namespace] : [];
    if (o.containers) for (const c of m.containers ?? []) lines.push([...ns, m.metadata.name, c.name, `${milli(c.usage?.cpu)}m`, `${bytes(c.usage?.memory) / MI}Mi`]);
    else lines.push([...ns, m.metadata.name, `${sumCpu(m)}m`, `${sumMem(m) / MI}Mi`]);
  }
  let text = table(lines);
  if (o.sum) {
    const cpu = items.reduce((a, m) => a + sumCpu(m), 0n);
    const mem = items.reduce((a, m) => a + sumMem(m), 0n);
    const pad = [...(o.allNamespaces ? [""] : []), ...(o.containers ? ["", ""] : [""])];
    text += table([[...pad, "________", "________"], [...pad, `${cpu}m`, `${mem / MI}Mi`]]);
  }
  return text;
}

/** Go's time.Duration.String() for an age (`3m31.517s`), as kubectl's "Metrics not available" says it. */
export function goDuration(ms: number): string {
  const totalSec = ms / 1000;
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec % 3600) / 60);
  const s = totalSec % 60;
  const sec = `${Number(s.toFixed(3))}s`;
  return h ? `${h}h${m}m${sec}` : m ? `${m}m${sec}` : sec;
}

export async function runTopNode(ctx: CtlContext, args: string[], o: { selector?: string; noHeaders?: boolean; sortBy?: string; showCapacity?: boolean }): Promise<number> {
  const name = args[0];
  const nodes = name ? [await ctx.client.request(`/api/v1/nodes/${encodeURIComponent(name)}`)] : (await ctx.client.request("/api/v1/nodes", { query: { labelSelector: o.selector } })).items ?? [];
  const metrics = name ? [await ctx.client.request(`/apis/metrics.k8s.io/v1beta1/nodes/${encodeURIComponent(name)}`)] : (await ctx.client.request("/apis/metrics.k8s.io/v1beta1/nodes", { query: { labelSelector: o.selector } })).items ?? [];
  if (!metrics.length && !nodes.length) throw new Error("metrics not available yet");
  ctx.out(renderTopNodes(metrics, nodes, o));
  return 0;
}

export async function runTopPod(ctx: CtlContext, args: string[], o: { selector?: string; fieldSelector?: string; noHeaders?: boolean; sortBy?: string; containers?: boolean; allNamespaces?: boolean; sum?: boolean }, now = () => Date.now()): Promise<number> {
  const name = args[0];
  const base = o.allNamespaces ? "" : `/namespaces/${encodeURIComponent(ctx.namespace)}`;
  const query = { labelSelector: o.selector, fieldSelector: o.fieldSelector };
  const metrics = name ? [await ctx.client.request(`/apis/metrics.k8s.io/v1beta1${base}/pods/${encodeURIComponent(name)}`)] : (await ctx.client.request(`/apis/metrics.k8s.io/v1beta1${base}/pods`, { query })).items ?? [];
  if (!metrics.length) {
    // As kubectl: pods old enough to have metrics by now mean the pipeline is broken.
    const pods = (await ctx.client.request(`/api/v1${base}/pods`, { query })).items ?? [];
    for (const p of pods) {
      const age = now() - Date.parse(p.metadata.creationTimestamp);
      if (age > 120_000) throw new Error(`Metrics not available for pod ${p.metadata.namespace}/${p.metadata.name}, age: ${goDuration(age)}`);
    }
    ctx.err(o.allNamespaces ? "No resources found\n" : `No resources found in ${ctx.namespace} namespace.\n`);
    return 0;
  }
  ctx.out(renderTopPods(metrics, o));
  return 0;
}

export function registerTop(app: CtlApp): void {
  const top = app.verb("top").description("Display resource (CPU/memory) usage");
  app
    .verb("node", top)
    .alias("nodes")
    .alias("no")
    .description("Display resource (CPU/memory) usage of nodes")
    .argument("[name]")
    .option("-l, --selector <selector>", "label selector")
    .option("--no-headers", "omit the header line")
    .option("--sort-by <field>", "cpu or memory")
    .option("--show-capacity", "percentages of capacity rather than allocatable")
    .action(app.action((ctx, cmd: Command) => {
      const o = cmd.opts();
      return runTopNode(ctx, cmd.args, { ...o, noHeaders: o.headers === false });
    }));
  app
    .verb("pod", top)
    .alias("pods")
    .alias("po")
    .description("Display resource (CPU/memory) usage of pods")
    .argument("[name]")
    .option("-A, --all-namespaces", "across all namespaces")
    .option("-l, --selector <selector>", "label selector")
    .option("--field-selector <selector>", "field selector")
    .option("--containers", "a line per container")
    .option("--no-headers", "omit the header line")
    .option("--sort-by <field>", "cpu or memory")
    .option("--sum", "print the sum of the usage")
    .action(app.action((ctx, cmd: Command) => {
      const o = cmd.opts();
      return runTopPod(ctx, cmd.args, { ...o, noHeaders: o.headers === false });
    }));
}

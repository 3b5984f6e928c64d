/** `k3rs ctl cordon`, `uncordon` and `taint`: a node's schedulability and taints, patched as kubectl patches them. */
import type { Command } from "commander";
import type { CtlApp } from "./command.ts";
import { formatError, UsageError, type CtlContext } from "./context.ts";
import { eachObject, labelOf, pathOf, selectObjects, type ObjectRef } from "./objects.ts";
import { dryRun } from "./dry-run.ts";

interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/** Node names or `-l` into node refs (kubectl's cordon takes `NODE` or `node/NODE`). */
async function nodes(ctx: CtlContext, args: string[], selector?: string): Promise<ObjectRef[]> {
  if (selector) return selectObjects(ctx, ["nodes"], { selector });
  if (!args.length) throw new Error("USAGE: cordon NODE [flags]");
  return selectObjects(ctx, ["nodes", ...args.map((a) => a.replace(/^nodes?\//, ""))], {});
}

export async function setUnschedulable(ctx: CtlContext, args: string[], unschedulable: boolean, o: { selector?: string; dryRun?: string } = {}): Promise<number> {
  const dry = dryRun(o.dryRun);
  const refs = await nodes(ctx, args, o.selector);
  const word = unschedulable ? "cordoned" : "uncordoned";
  return eachObject(ctx, refs, async (ref) => {
    const node = await ctx.client.request(pathOf(ref));
    if (!!node.spec?.unschedulable === unschedulable) {
      ctx.out(`${labelOf(ref)} already ${word}\n`);
      return;
    }
    if (dry.send) await ctx.client.request(pathOf(ref), { method: "PATCH", body: { spec: { unschedulable: unschedulable ? true : null } }, contentType: "application/strategic-merge-patch+json", query: { dryRun: dry.query } });
    ctx.out(`${labelOf(ref)} ${word}${dry.suffix}\n`);
  }, formatError);
}

/** `k=v:Effect` to add; `k-`, `k:Effect-` to remove. */
export function parseTaints(specs: string[]): { add: Taint[]; remove: { key: string; effect?: string }[] } {
  const add: Taint[] = [];
  const remove: { key: string; effect?: string }[] = [];
  for (const s of specs) {
    if (s.endsWith("-")) {
      const body = s.slice(0, -1);
      const colon = body.indexOf(":");
      const key = colon < 0 ? body : body.slice(0, colon);
      const effect = colon < 0 ? undefined : body.slice(colon + 1);
      if (effect !== undefined && !EFFECTS.includes(effect)) throw new UsageError(`invalid taint effect: ${effect}, unsupported taint effect`, "taint");
      remove.push({ key, effect });
      continue;
    }
    const colon = s.lastIndexOf(":");
    if (colon < 0) throw new Error(`invalid taint spec: ${s}, unknown taint spec`);
    const kv = s.slice(0, colon);
    const effect = s.slice(colon + 1);
    if (!EFFECTS.includes(effect)) throw new UsageError(`invalid taint effect: ${effect}, unsupported taint effect`, "taint");
    const eq = kv.indexOf("=");
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? undefined : kv.slice(eq + 1);
    add.push({ key, ...(value ? { value } : {}), effect });
  }
  return { add, remove };
}

export async function runTaint(ctx: CtlContext, args: string[], o: { overwrite?: boolean; selector?: string; all?: boolean; dryRun?: string }, now: () => Date = () => new Date()): Promise<number> {
  const dry = dryRun(o.dryRun);
  const specIndex = args.findIndex((a) => a.includes(":") || a.includes("=") || (a.endsWith("-") && a.length > 1));
  const resources = specIndex < 0 ? args : args.slice(0, specIndex);
  const { add, remove } = parseTaints(specIndex < 0 ? [] : args.slice(specIndex));
  if (!add.length && !remove.length) throw new Error("at least one taint update is required");
  const refs = await selectObjects(ctx, resources, { selector: o.selector, all: o.all });
  return eachObject(ctx, refs, async (ref) => {
    const node = await ctx.client.request(pathOf(ref));
    let taints: Taint[] = [...(node.spec?.taints ?? [])];
    if (!o.overwrite) {
      const clash = add.filter((a) => taints.some((t) => t.key === a.key && t.effect === a.effect));
      if (clash.length) throw new Error(`node ${ref.name} already has ${clash.map((c) => c.key).join(",")} taint(s) with same effect(s) and --overwrite is false`);
    }
    let replaced = false;
    for (const a of add) {
      const t = { ...a, ...(a.effect === "NoExecute" ? { timeAdded: now().toISOString().replace(/\.\d+Z$/, "Z") } : {}) };
      const i = taints.findIndex((x) => x.key === a.key && x.effect === a.effect);
      if (i >= 0) {
        taints[i] = t;
        replaced = true;
      } else taints.push(t);
    }
    for (const r of remove) {
      const before = taints.length;
      taints = taints.filter((t) => !(t.key === r.key && (r.effect === undefined || t.effect === r.effect)));
      if (taints.length === before) throw new Error(`taint "${r.key}${r.effect ? `:${r.effect}` : ""}" not found`);
    }
    if (dry.send) await ctx.client.request(pathOf(ref), { method: "PATCH", body: { spec: { taints: taints.length ? taints : null } }, contentType: "application/merge-patch+json", query: { dryRun: dry.query } });
    // kubectl: an overwritten taint, or adds with removes, "modified" the node.
    const word = replaced || (add.length && remove.length) ? "modified" : add.length ? "tainted" : "untainted";
    ctx.out(`${labelOf(ref)} ${word}${dry.suffix}\n`);
  }, formatError);
}

export function registerNode(app: CtlApp): void {
  for (const [verb, value] of [["cordon", true], ["uncordon", false]] as const) {
    app
      .verb(verb)
      .description(value ? "Mark node as unschedulable" : "Mark node as schedulable")
      .argument("[nodes...]", "NODE")
      .option("-l, --selector <selector>", "label selector")
      .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
      .action(app.action((ctx, cmd: Command) => setUnschedulable(ctx, cmd.args, value, cmd.opts())));
  }
  app
    .verb("taint")
    .description("Update the taints on one or more nodes")
    .argument("<args...>", "node NODE KEY[=VALUE]:EFFECT … KEY[:EFFECT]-")
    .option("--overwrite", "replace a taint with the same key and effect")
    .option("-l, --selector <selector>", "label selector")
    .option("--all", "every node")
    .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
    .action(app.action((ctx, cmd: Command) => runTaint(ctx, cmd.args, cmd.opts())));
}

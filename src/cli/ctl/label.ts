/**
 * `k3rs ctl label` and `annotate`: set (`k=v`) and remove (`k-`) labels or annotations with a
 * merge patch, refusing to change an existing value without --overwrite, in kubectl's words.
 */
import type { Command } from "commander";
import type { CtlApp } from "./command.ts";
import { formatError, type CtlContext } from "./context.ts";
import { eachObject, labelOf, pathOf, selectObjects } from "./objects.ts";
import { dryRun } from "./dry-run.ts";

export interface MetaMapOptions {
  overwrite?: boolean;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  filename?: string[];
  list?: boolean;
  resourceVersion?: string;
  dryRun?: string;
}

type Field = "labels" | "annotations";

/** Splits `TYPE NAME k=v k2-` into resources and changes; kubectl takes the first `=` or trailing `-` as the start of the changes. */
export function splitChanges(args: string[]): { resources: string[]; set: Record<string, string>; remove: string[] } {
  const i = args.findIndex((a) => a.includes("=") || (a.endsWith("-") && a.length > 1));
  const resources = i < 0 ? args : args.slice(0, i);
  const changes = i < 0 ? [] : args.slice(i);
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const c of changes) {
    if (c.includes("=")) {
      const eq = c.indexOf("=");
      const k = c.slice(0, eq);
      if (k in set) throw new Error(`can not both modify and remove the following label(s) in the same command: ${k}`);
      set[k] = c.slice(eq + 1);
    } else if (c.endsWith("-")) remove.push(c.slice(0, -1));
    else throw new Error(`invalid label spec: ${c}`);
  }
  for (const k of remove) if (k in set) throw new Error(`can not both modify and remove the following label(s) in the same command: ${k}`);
  return { resources, set, remove };
}

export async function runMetaMap(ctx: CtlContext, field: Field, args: string[], o: MetaMapOptions, stdin?: () => string): Promise<number> {
  const dry = dryRun(o.dryRun);
  const { resources, set, remove } = splitChanges(args);
  if (!o.list && !Object.keys(set).length && !remove.length) throw new Error(`at least one ${field === "labels" ? "label" : "annotation"} update is required`);
  const refs = await selectObjects(ctx, resources, o, stdin);
  const verb = field === "labels" ? "labeled" : "annotated";
  return eachObject(ctx, refs, async (ref) => {
    const live = await ctx.client.request(pathOf(ref));
    const current: Record<string, string> = { ...(live.metadata?.[field] ?? {}) };
    if (o.list) {
      for (const [k, v] of Object.entries(current)) ctx.out(`${k}=${v}\n`);
      return;
    }
    if (!o.overwrite) {
      const clashes = Object.entries(set).filter(([k, v]) => k in current && current[k] !== v);
      if (clashes.length) {
        if (field === "labels") throw new Error(clashes.map(([k]) => `'${k}' already has a value (${current[k]}), and --overwrite is false`).join(", "));
        throw new Error(`--overwrite is false but found the following declared annotation(s): ${clashes.map(([k]) => `'${k}' already has a value (${current[k]})`).join("; ")}`);
      }
    }
    const next = { ...current, ...set };
    for (const k of remove) {
      if (!(k in next)) {
        if (field === "labels") ctx.out(`label "${k}" not found.\n`);
        continue;
      }
      delete next[k];
    }
    const patchMap: Record<string, string | null> = {};
    for (const k of new Set([...Object.keys(current), ...Object.keys(next)])) if (current[k] !== next[k]) patchMap[k] = next[k] ?? null;
    const changed = Object.keys(patchMap).length > 0;
    let message = changed ? verb : `not ${verb}`;
    // kubectl's updateDataChangeMsg: a smaller object without --overwrite reads "unlabeled".
    if (field === "labels" && changed && !o.overwrite && JSON.stringify(next).length < JSON.stringify(current).length) message = "unlabeled";
    if (field === "annotations") message = verb;
    if (changed) {
      const metadata: Record<string, unknown> = { [field]: patchMap };
      if (o.resourceVersion) metadata.resourceVersion = o.resourceVersion;
      if (dry.send) await ctx.client.request(pathOf(ref), { method: "PATCH", body: { metadata }, contentType: "application/merge-patch+json", query: { dryRun: dry.query } });
    }
    ctx.out(`${labelOf(ref)} ${message}${dry.suffix}\n`);
  }, formatError);
}

export function registerLabel(app: CtlApp): void {
  for (const [verb, field] of [["label", "labels"], ["annotate", "annotations"]] as const) {
    app
      .verb(verb)
      .description(field === "labels" ? "Update the labels on a resource" : "Update the annotations on a resource")
      .argument("<args...>", "TYPE NAME|TYPE/NAME KEY=VAL … KEY-")
      .option("--overwrite", "allow existing values to be changed")
      .option("-l, --selector <selector>", "label selector")
      .option("--all", "every object of the type in the namespace")
      .option("-A, --all-namespaces", "across all namespaces")
      .option("-f, --filename <path...>", "objects from files")
      .option("--list", "list the current values")
      .option("--resource-version <rv>", "only update when the object is at this resourceVersion")
      .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
      .action(app.action((ctx, cmd: Command) => runMetaMap(ctx, field, cmd.args, cmd.opts(), app.deps.stdin)));
  }
}

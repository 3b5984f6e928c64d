/** `k3rs ctl patch`: a strategic-merge (default), JSON-merge or JSON patch, reporting `patched` or `patched (no change)` as kubectl does. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import YAML from "yaml";
import type { CtlApp } from "./command.ts";
import { formatError, type CtlContext } from "./context.ts";
import { eachObject, labelOf, pathOf, selectObjects } from "./objects.ts";
import { objectPrinter, sortKeys } from "./printers/object-printer.ts";
import { dryRun } from "./dry-run.ts";

export const PATCH_TYPES: Record<string, string> = {
  strategic: "application/strategic-merge-patch+json",
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
};

export interface PatchOptions {
  patch?: string;
  patchFile?: string;
  type?: string;
  subresource?: string;
  filename?: string[];
  output?: string;
  dryRun?: string;
}

export async function runPatch(ctx: CtlContext, args: string[], o: PatchOptions, stdin?: () => string): Promise<number> {
  const dry = dryRun(o.dryRun);
  const text = o.patchFile ? readFileSync(o.patchFile, "utf8") : o.patch;
  if (!text) throw new Error("must specify --patch or --patch-file containing the contents of the patch");
  const type = o.type ?? "strategic";
  const contentType = PATCH_TYPES[type];
  if (!contentType) throw new Error(`--type must be one of [json merge strategic], not "${type}"`);
  let body: unknown;
  try {
    // kubectl takes YAML too and sends JSON.
    body = YAML.parse(text);
  } catch (cause) {
    throw new Error(`unable to parse "${text}": ${(cause as Error).message}`, { cause });
  }
  const refs = await selectObjects(ctx, args, { filename: o.filename }, stdin);
  const printer = o.output ? objectPrinter(o.output) : undefined;
  return eachObject(ctx, refs, async (ref) => {
    const before = await ctx.client.request(pathOf(ref, o.subresource));
    // --dry-run=client sends nothing: the object stays as it is.
    const after = dry.send ? await ctx.client.request(pathOf(ref, o.subresource), { method: "PATCH", body: JSON.stringify(body), contentType, query: { dryRun: dry.query } }) : before;
    if (printer) {
      ctx.out(printer.print(after, [after]));
      return;
    }
    const changed = !dry.send || JSON.stringify(sortKeys(before)) !== JSON.stringify(sortKeys(after));
    // kubectl's patch line says nothing of a dry run.
    ctx.out(`${labelOf(ref)} patched${changed ? "" : " (no change)"}\n`);
  }, formatError);
}

export function registerPatch(app: CtlApp): void {
  app
    .verb("patch")
    .description("Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch")
    .argument("[resources...]", "TYPE NAME or TYPE/NAME")
    .option("-p, --patch <patch>", "the patch (JSON or YAML)")
    .option("--patch-file <file>", "a file holding the patch")
    .option("--type <type>", "json, merge or strategic (default)")
    .option("--subresource <name>", "status or scale")
    .option("-f, --filename <path...>", "objects from files")
    .option("-o, --output <format>", "print the patched object")
    .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
    .action(app.action((ctx, cmd: Command) => runPatch(ctx, cmd.args, cmd.opts(), app.deps.stdin)));
}

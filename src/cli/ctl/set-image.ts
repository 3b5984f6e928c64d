/** `k3rs ctl set image`: a container's image in a pod template (or pod), by strategic merge patch on the containers' names. */
import type { Command } from "commander";
import type { CtlApp } from "./command.ts";
import { formatError, type CtlContext } from "./context.ts";
import { eachObject, labelOf, pathOf, selectObjects } from "./objects.ts";
import { dryRun } from "./dry-run.ts";

/** Where a kind keeps its pod spec, as a path of fields. */
export function podSpecPath(kind: string): string[] {
  switch (kind) {
    case "Pod":
      return ["spec"];
    case "CronJob":
      return ["spec", "jobTemplate", "spec", "template", "spec"];
    default:
      return ["spec", "template", "spec"];
  }
}

function nest(path: string[], leaf: unknown): any {
  return path.reduceRight((acc, key) => ({ [key]: acc }), leaf);
}

export async function runSetImage(ctx: CtlContext, args: string[], o: { selector?: string; all?: boolean; filename?: string[]; dryRun?: string }, stdin?: () => string): Promise<number> {
  const dry = dryRun(o.dryRun);
  const i = args.findIndex((a) => a.includes("="));
  if (i < 0) throw new Error("at least one image update is required");
  const resources = args.slice(0, i);
  const images: Record<string, string> = {};
  for (const a of args.slice(i)) {
    const eq = a.indexOf("=");
    if (eq < 0) throw new Error(`all resources must be specified before image changes: ${a}`);
    images[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const refs = await selectObjects(ctx, resources, o, stdin);
  return eachObject(ctx, refs, async (ref) => {
    const obj = await ctx.client.request(pathOf(ref));
    const path = podSpecPath(ref.r.kind);
    const spec = path.reduce((acc: any, k) => acc?.[k], obj);
    if (!spec) throw new Error(`${labelOf(ref)} has no pod template`);
    const patch: Record<string, { name: string; image: string }[]> = {};
    for (const [name, image] of Object.entries(images)) {
      let found = false;
      for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
        for (const c of spec[field] ?? []) {
          if (name === "*" || c.name === name) {
            found = true;
            if (c.image !== image) (patch[field] ??= []).push({ name: c.name, image });
          }
        }
      }
      if (!found) throw new Error(`unable to find container named "${name}"`);
    }
    // Nothing to change: kubectl sends nothing and says nothing.
    if (!Object.keys(patch).length) return;
    if (dry.send) await ctx.client.request(pathOf(ref), { method: "PATCH", body: nest(path, patch), contentType: "application/strategic-merge-patch+json", query: { dryRun: dry.query } });
    ctx.out(`${labelOf(ref)} image updated${dry.suffix}\n`);
  }, formatError);
}

export function registerSet(app: CtlApp): void {
  const set = app.verb("set").description("Set specific features on objects");
  app
    .verb("image", set)
    .description("Update the image of a pod template")
    .argument("<args...>", "TYPE NAME CONTAINER=IMAGE …")
    .option("-l, --selector <selector>", "label selector")
    .option("--all", "every object of the type in the namespace")
    .option("-f, --filename <path...>", "objects from files")
    .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
    .action(app.action((ctx, cmd: Command) => runSetImage(ctx, cmd.args, cmd.opts(), app.deps.stdin)));
}

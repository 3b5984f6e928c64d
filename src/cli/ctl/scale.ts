/** `k3rs ctl scale`: sets replicas through the `/scale` subresource, with kubectl's preconditions. */
import type { Command } from "commander";
import { isStatusError } from "../../model/errors.ts";
import { parseGoDuration } from "../../model/duration.ts";
import type { CtlApp } from "./command.ts";
import { formatError, type CtlContext } from "./context.ts";
import { eachObject, labelOf, pathOf, selectObjects } from "./objects.ts";
import { dryRun } from "./dry-run.ts";

export interface ScaleOptions {
  replicas?: string;
  currentReplicas?: string;
  resourceVersion?: string;
  selector?: string;
  all?: boolean;
  filename?: string[];
  timeout?: string;
  dryRun?: string;
}

export async function runScale(ctx: CtlContext, args: string[], o: ScaleOptions, stdin?: () => string): Promise<number> {
  const dry = dryRun(o.dryRun);
  if (o.replicas === undefined) throw new Error("required flag(s) \"replicas\" not set");
  const replicas = Number(o.replicas);
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  const refs = await selectObjects(ctx, args, o, stdin);
  if (!refs.length) throw new Error("no objects passed to scale");
  // kubectl reads the objects first; one that is missing ends the command before any change.
  for (const ref of refs) {
    try {
      await ctx.client.request(pathOf(ref));
    } catch (e) {
      throw new Error(`no objects passed to scale ${(e as Error).message}`, { cause: e });
    }
  }
  const timeoutMs = o.timeout ? parseGoDuration(o.timeout) : 0;
  return eachObject(ctx, refs, async (ref) => {
    const current = o.currentReplicas !== undefined ? Number(o.currentReplicas) : -1;
    if (current >= 0 || o.resourceVersion) {
      const scale = await ctx.client.request(pathOf(ref, "scale"));
      if (current >= 0 && (scale.spec?.replicas ?? 0) !== current) throw new Error(`Expected replicas to be ${current}, was ${scale.spec?.replicas ?? 0}`);
      if (o.resourceVersion && scale.metadata?.resourceVersion !== o.resourceVersion) throw new Error(`Expected resource version to be ${o.resourceVersion}, was ${scale.metadata?.resourceVersion}`);
    }
    if (dry.send) await ctx.client.request(pathOf(ref, "scale"), { method: "PATCH", body: { spec: { replicas } }, contentType: "application/merge-patch+json", query: { dryRun: dry.query } });
    if (timeoutMs > 0 && dry.mode === "none") await waitForReplicas(ctx, pathOf(ref, "scale"), replicas, timeoutMs);
    ctx.out(`${labelOf(ref)} scaled${dry.suffix}\n`);
  }, formatError);
}

async function waitForReplicas(ctx: CtlContext, path: string, replicas: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const s = await ctx.client.request(path);
      if ((s.status?.replicas ?? 0) === replicas) return;
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await Bun.sleep(500);
  }
}

export function registerScale(app: CtlApp): void {
  app
    .verb("scale")
    .description("Set a new size for a deployment, replica set, replication controller, or stateful set")
    .argument("[resources...]", "TYPE NAME or TYPE/NAME")
    .option("--replicas <n>", "the new number of replicas")
    .option("--current-replicas <n>", "precondition: the current size")
    .option("--resource-version <rv>", "precondition: the resourceVersion")
    .option("-l, --selector <selector>", "label selector")
    .option("--all", "every object of the type in the namespace")
    .option("-f, --filename <path...>", "objects from files")
    .option("--timeout <duration>", "wait until the replicas are there")
    .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
    .action(app.action((ctx, cmd: Command) => runScale(ctx, cmd.args, cmd.opts(), app.deps.stdin)));
}

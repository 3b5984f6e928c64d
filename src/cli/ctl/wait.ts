/**
 * `k3rs ctl wait --for=delete|create|condition=C[=V]|jsonpath='{…}'[=V]`: until every selected
 * object meets the condition or --timeout (default 30s) passes, a `condition met` line each.
 */
import type { Command } from "commander";
import { isStatusError } from "../../model/errors.ts";
import { parseGoDuration } from "../../model/duration.ts";
import type { CtlApp } from "./command.ts";
import type { CtlContext } from "./context.ts";
import { labelOf, pathOf, selectObjects, type ObjectRef } from "./objects.ts";
import { JsonPath, relaxedJsonPath, textOf } from "./printers/jsonpath.ts";

export type WaitCondition =
  | { kind: "delete" }
  | { kind: "create" }
  | { kind: "condition"; type: string; value: string }
  | { kind: "jsonpath"; path: JsonPath; value?: string };

export function parseFor(spec: string): WaitCondition {
  const lower = spec.toLowerCase();
  if (lower === "delete") return { kind: "delete" };
  if (lower === "create") return { kind: "create" };
  if (lower.startsWith("condition=")) {
    const rest = spec.slice("condition=".length);
    const eq = rest.indexOf("=");
    return eq < 0 ? { kind: "condition", type: rest, value: "true" } : { kind: "condition", type: rest.slice(0, eq), value: rest.slice(eq + 1) };
  }
  if (lower.startsWith("jsonpath=")) {
    const rest = spec.slice("jsonpath=".length);
    // `{.a.b}=value`: the value follows the closing brace; a bare path may carry `=value` too.
    let expr = rest;
    let value: string | undefined;
    const close = rest.lastIndexOf("}");
    const eq = close >= 0 ? rest.indexOf("=", close) : rest.indexOf("=");
    if (eq >= 0) {
      expr = rest.slice(0, eq);
      value = rest.slice(eq + 1);
    }
    if (!expr) throw new Error("jsonpath expression cannot be empty");
    return { kind: "jsonpath", path: new JsonPath(relaxedJsonPath(expr)), value };
  }
  throw new Error(`unrecognized condition: "${spec}"`);
}

/** Whether `obj` meets `c` (pure: the decision kubectl's wait makes on each object it sees). */
export function conditionMet(obj: any, c: WaitCondition): boolean {
  switch (c.kind) {
    case "delete":
      return false;
    case "create":
      return true;
    case "condition": {
      const conds = (obj.status?.conditions ?? []) as any[];
      const found = conds.find((x) => String(x.type).toLowerCase() === c.type.toLowerCase());
      if (!found) return false;
      // A condition older than the spec it reports on does not count yet.
      if (found.observedGeneration !== undefined && obj.metadata?.generation !== undefined && found.observedGeneration < obj.metadata.generation) return false;
      return String(found.status).toLowerCase() === c.value.toLowerCase();
    }
    case "jsonpath": {
      let values: unknown[];
      try {
        values = c.path.values(obj).flat();
      } catch {
        return false;
      }
      if (c.value === undefined) return values.length > 0;
      if (values.length > 1) throw new Error("given jsonpath expression matches more than one value");
      return values.length === 1 && textOf(values[0]) === c.value;
    }
  }
}

export interface WaitOptions {
  for?: string;
  timeout?: string;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  filename?: string[];
  pollMs?: number;
}

export async function runWait(ctx: CtlContext, args: string[], o: WaitOptions, stdin?: () => string): Promise<number> {
  if (!o.for) throw new Error("--for must be specified");
  const cond = parseFor(o.for);
  const timeoutMs = o.timeout === undefined ? 30_000 : parseGoDuration(o.timeout);
  const deadline = Date.now() + Math.max(0, timeoutMs);
  const refs = await selectObjects(ctx, args, { selector: o.selector, all: o.all, allNamespaces: o.allNamespaces, filename: o.filename }, stdin);
  if (!refs.length) {
    if (cond.kind === "delete") return 0;
    throw new Error("no matching resources found");
  }
  for (const ref of refs) await waitOne(ctx, ref, cond, deadline, o.pollMs ?? 500);
  return 0;
}

async function waitOne(ctx: CtlContext, ref: ObjectRef, c: WaitCondition, deadline: number, pollMs: number): Promise<void> {
  let uid: string | undefined;
  for (let first = true; ; first = false) {
    let obj: any;
    try {
      obj = await ctx.client.request(pathOf(ref));
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
      if (c.kind === "delete") {
        // Gone before we looked: nothing to report, as kubectl.
        if (!first) ctx.out(`${labelOf(ref)} condition met\n`);
        return;
      }
      if (c.kind !== "create") throw e;
    }
    if (obj) {
      if (c.kind === "delete" && uid && obj.metadata?.uid !== uid) {
        ctx.out(`${labelOf(ref)} condition met\n`);
        return;
      }
      uid ??= obj.metadata?.uid;
      if (conditionMet(obj, c)) {
        ctx.out(`${labelOf(ref)} condition met\n`);
        return;
      }
    }
    if (Date.now() >= deadline) throw new Error(`timed out waiting for the condition on ${ref.r.plural}/${ref.name}`);
    await Bun.sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}

export function registerWait(app: CtlApp): void {
  app
    .verb("wait")
    .description("Wait for a specific condition on one or many resources")
    .argument("[resources...]", "TYPE NAME, TYPE/NAME or TYPE with -l/--all")
    .option("--for <condition>", "delete, create, condition=NAME[=VALUE] or jsonpath='{…}'[=VALUE]")
    .option("--timeout <duration>", "how long to wait (default 30s; 0: check once)")
    .option("-l, --selector <selector>", "label selector")
    .option("--all", "every object of the type in the namespace")
    .option("-A, --all-namespaces", "across all namespaces")
    .option("-f, --filename <path...>", "objects from files")
    .action(app.action((ctx, cmd: Command) => runWait(ctx, cmd.args, cmd.opts(), app.deps.stdin)));
}

/**
 * `k3rs ctl edit TYPE NAME`: the object as YAML in $KUBE_EDITOR / $EDITOR (vi by default);
 * what comes back is sent as a merge patch of the differences, `edited` or
 * `Edit cancelled, no changes made.` as kubectl says.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import YAML from "yaml";
import type { CtlApp } from "./command.ts";
import type { CtlContext } from "./context.ts";
import { labelOf, pathOf, selectObjects } from "./objects.ts";
import { sortKeys, toYaml } from "./printers/object-printer.ts";

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

/** The JSON merge patch that turns `from` into `to` (null removes a field). */
export function mergePatch(from: any, to: any): any {
  if (!from || typeof from !== "object" || Array.isArray(from) || !to || typeof to !== "object" || Array.isArray(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(from), ...Object.keys(to)])) {
    if (!(k in to)) patch[k] = null;
    else if (!(k in from)) patch[k] = to[k];
    else if (JSON.stringify(sortKeys(from[k])) !== JSON.stringify(sortKeys(to[k]))) patch[k] = mergePatch(from[k], to[k]);
  }
  return patch;
}

export async function runEdit(ctx: CtlContext, args: string[], env: Record<string, string | undefined>): Promise<number> {
  const refs = await selectObjects(ctx, args, {});
  const editor = env.KUBE_EDITOR || env.EDITOR || "vi";
  for (const ref of refs) {
    const live = await ctx.client.request(pathOf(ref));
    if (live.metadata) delete live.metadata.managedFields;
    const dir = mkdtempSync(join(tmpdir(), "k3rs-edit-"));
    const file = join(dir, `${ref.name}.yaml`);
    try {
      writeFileSync(file, HEADER + toYaml(live));
      const p = Bun.spawn(["sh", "-c", `${editor} "$1"`, "sh", file], { stdin: "inherit", stdout: "inherit", stderr: "inherit" });
      if ((await p.exited) !== 0) throw new Error(`there was a problem with the editor "${editor}"`);
      const text = readFileSync(file, "utf8").split("\n").filter((l) => !l.startsWith("#")).join("\n");
      if (!text.trim()) {
        ctx.out("Edit cancelled, no changes made.\n");
        continue;
      }
      const edited = YAML.parse(text);
      const patch = mergePatch(live, edited);
      if (!Object.keys(patch).length) {
        ctx.out("Edit cancelled, no changes made.\n");
        continue;
      }
      // The resourceVersion read makes a concurrent change a Conflict rather than a silent overwrite.
      patch.metadata = { ...(patch.metadata ?? {}), resourceVersion: live.metadata?.resourceVersion };
      await ctx.client.request(pathOf(ref), { method: "PATCH", body: patch, contentType: "application/merge-patch+json", query: { fieldManager: "kubectl-edit" } });
      ctx.out(`${labelOf(ref)} edited\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return 0;
}

export function registerEdit(app: CtlApp): void {
  app
    .verb("edit")
    .description("Edit a resource on the server with $KUBE_EDITOR or $EDITOR")
    .argument("<resources...>", "TYPE NAME or TYPE/NAME")
    .action(app.action((ctx, cmd: Command) => runEdit(ctx, cmd.args, app.deps.env ?? process.env)));
}

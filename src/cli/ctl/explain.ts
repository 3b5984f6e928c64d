/**
 * `k3rs ctl explain TYPE[.field.path] [--recursive] [--api-version=G/V]`: a resource's or a
 * field's documentation from the server's OpenAPI v3 document, printed as kubectl 1.32 prints it.
 */
import type { Command } from "commander";
import type { CtlApp } from "./command.ts";
import { ExitError, type CtlContext } from "./context.ts";
import { renderExplain, gvrString, type Gvr } from "./explain/render.ts";

export interface ExplainOptions {
  recursive?: boolean;
  apiVersion?: string;
  output?: string;
}

/** `deployments.apps.spec` → the resource and `["spec"]`, preferring a group written after the name. */
async function parseTarget(ctx: CtlContext, input: string, exactSplit: boolean): Promise<{ gvr: Gvr; path: string[] }> {
  const text = input.endsWith(".") ? input.slice(0, -1) : input;
  const [head, ...rest] = text.split(".") as [string, ...string[]];
  // kubectl's own words for a type it cannot find (printed without its usual `error: `).
  const r = await ctx.discovery.resolve(head).catch((e: Error) => {
    throw new ExitError(e.message, 1);
  });
  const gvr = { group: r.group, version: r.version, resource: r.plural };
  const groupResource = r.group ? `${r.plural}.${r.group}` : r.plural;
  if (!exactSplit && text.startsWith(groupResource)) {
    const suffix = text.slice(groupResource.length);
    return { gvr, path: suffix ? suffix.split(".").slice(1) : [] };
  }
  return { gvr, path: rest };
}

/** The group-version's document, found through the /openapi/v3 index as kubectl finds it. */
async function fetchDocument(ctx: CtlContext, gvr: Gvr): Promise<Record<string, any>> {
  const index = await ctx.client.request<{ paths?: Record<string, { serverRelativeURL?: string }> }>("/openapi/v3");
  const key = gvr.group ? `apis/${gvr.group}/${gvr.version}` : `api/${gvr.version}`;
  const url = index?.paths?.[key]?.serverRelativeURL;
  if (!url) throw new Error(`couldn't find resource for "${gvrString(gvr)}"`);
  return ctx.client.request(url);
}

export async function runExplain(ctx: CtlContext, args: string[], o: ExplainOptions): Promise<number> {
  if (args.length === 0) throw new Error('You must specify the type of resource to explain. Use "kubectl api-resources" for a complete list of supported resources.');
  if (args.length > 1) throw new Error("We accept only this format: explain RESOURCE");
  if (o.output && o.output !== "plaintext") throw new Error(`unsupported output format: ${o.output}; supported: plaintext`);
  const { gvr, path } = await parseTarget(ctx, args[0]!, o.apiVersion !== undefined);
  if (o.apiVersion !== undefined) {
    const slash = o.apiVersion.indexOf("/");
    if (o.apiVersion.indexOf("/", slash + 1) > 0) throw new Error(`unexpected GroupVersion string: ${o.apiVersion}`);
    gvr.group = slash < 0 ? "" : o.apiVersion.slice(0, slash);
    gvr.version = slash < 0 ? o.apiVersion : o.apiVersion.slice(slash + 1);
  }
  const doc = await fetchDocument(ctx, gvr);
  const { out, error } = renderExplain(doc, gvr, path, !!o.recursive);
  ctx.out(out);
  if (error) throw new Error(error);
  return 0;
}

export function registerExplain(app: CtlApp): void {
  app
    .verb("explain")
    .description("Get documentation for a resource")
    .argument("[resource...]", "TYPE[.field.path]")
    .option("--recursive", "print the names of all the fields, recursively, without descriptions")
    .option("--api-version <group/version>", "the API version of the resource to explain")
    .option("--output <format>", "plaintext (the only format)")
    .action(app.action((ctx, cmd: Command) => runExplain(ctx, cmd.args, cmd.opts())));
}

/** `k3rs ctl config view|current-context|get-contexts|use-context`: the kubeconfig in use, as kubectl shows and edits it. */
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import YAML from "yaml";
import { layoutColumns } from "../../api/table/index.ts";
import type { CtlApp } from "./command.ts";
import type { CtlContext } from "./context.ts";
import { objectPrinter, toYaml } from "./printers/object-printer.ts";

const SECRET_FIELDS = new Set(["certificate-authority-data", "client-certificate-data", "client-key-data"]);

/** kubectl's `config view`: secrets as DATA+OMITTED (tokens REDACTED) unless --raw; --minify keeps the current context's parts. */
export function viewConfig(doc: any, o: { raw?: boolean; minify?: boolean; context?: string }): any {
  const out = structuredClone(doc ?? {});
  out.apiVersion ??= "v1";
  out.kind ??= "Config";
  out.preferences ??= {};
  if (o.minify) {
    const name = o.context ?? out["current-context"];
    const ctx = (out.contexts ?? []).find((c: any) => c.name === name);
    if (!ctx) throw new Error(`cannot locate context ${name}`);
    out.contexts = [ctx];
    out.clusters = (out.clusters ?? []).filter((c: any) => c.name === ctx.context?.cluster);
    out.users = (out.users ?? []).filter((u: any) => u.name === ctx.context?.user);
    out["current-context"] = name;
  }
  if (!o.raw) {
    for (const c of out.clusters ?? []) for (const k of Object.keys(c.cluster ?? {})) if (SECRET_FIELDS.has(k)) c.cluster[k] = "DATA+OMITTED";
    for (const u of out.users ?? []) {
      for (const k of Object.keys(u.user ?? {})) if (SECRET_FIELDS.has(k)) u.user[k] = "DATA+OMITTED";
      if (u.user?.token) u.user.token = "REDACTED";
    }
  }
  return out;
}

export function getContexts(doc: any, o: { noHeaders?: boolean; output?: string }, names: string[] = []): string {
  let contexts: any[] = doc?.contexts ?? [];
  if (names.length) contexts = contexts.filter((c) => names.includes(c.name));
  if (o.output === "name") return contexts.map((c) => `${c.name}\n`).join("");
  const lines: string[][] = o.noHeaders ? [] : [["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]];
  for (const c of contexts) lines.push([c.name === doc["current-context"] ? "*" : "", c.name, c.context?.cluster ?? "", c.context?.user ?? "", c.context?.namespace ?? ""]);
  return layoutColumns(lines);
}

const read = (ctx: CtlContext) => YAML.parse(readFileSync(ctx.client.config.path, "utf8"));

export function registerConfig(app: CtlApp): void {
  const config = app.verb("config").description("Modify kubeconfig files");
  app
    .verb("view", config)
    .description("Display merged kubeconfig settings or a specified kubeconfig file")
    .option("--raw", "show certificates and tokens")
    .option("--minify", "only what the current context uses")
    .option("-o, --output <format>", "yaml (default), json, jsonpath=…")
    .action(app.action(async (ctx, cmd: Command) => {
      const o = cmd.opts();
      const doc = viewConfig(read(ctx), { ...o, context: cmd.optsWithGlobals().context });
      const printer = o.output ? objectPrinter(o.output) : undefined;
      ctx.out(printer ? printer.print(doc, [doc]) : toYaml(doc));
      return 0;
    }));
  app
    .verb("current-context", config)
    .description("Display the current-context")
    .action(app.action(async (ctx) => {
      const cur = read(ctx)?.["current-context"];
      if (!cur) throw new Error("current-context is not set");
      ctx.out(`${cur}\n`);
      return 0;
    }));
  app
    .verb("get-contexts", config)
    .description("Describe one or many contexts")
    .argument("[names...]")
    .option("--no-headers", "omit the header line")
    .option("-o, --output <format>", "name")
    .action(app.action(async (ctx, cmd: Command) => {
      const o = cmd.opts();
      const doc = read(ctx);
      const missing = cmd.args.filter((n: string) => !(doc?.contexts ?? []).some((c: any) => c.name === n));
      if (missing.length) throw new Error(`context ${missing[0]} not found`);
      ctx.out(getContexts(doc, { ...o, noHeaders: o.headers === false }, cmd.args));
      return 0;
    }));
  app
    .verb("use-context", config)
    .description("Set the current-context in a kubeconfig file")
    .argument("<name>")
    .action(app.action(async (ctx, cmd: Command) => {
      const name = cmd.args[0]!;
      const path = ctx.client.config.path;
      const doc = YAML.parseDocument(readFileSync(path, "utf8"));
      if (!((doc.toJS()?.contexts ?? []) as any[]).some((c) => c.name === name)) throw new Error(`no context exists with the name: "${name}"`);
      doc.set("current-context", name);
      writeFileSync(path, doc.toString());
      ctx.out(`Switched to context "${name}".\n`);
      return 0;
    }));
}

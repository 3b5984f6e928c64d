/** `k3rs ctl api-resources`, `api-versions` and `cluster-info`: what the server serves, as kubectl lists it. */
import type { Command } from "commander";
import { layoutColumns } from "../../api/table/index.ts";
import type { ApiResource } from "../../client/discovery.ts";
import type { CtlApp } from "./command.ts";
import type { CtlContext } from "./context.ts";

export interface ApiResourcesOptions {
  output?: string;
  noHeaders?: boolean;
  namespaced?: string;
  apiGroup?: string;
  verbs?: string[];
  sortBy?: string;
}

/** Group, then name (kubectl's default), or by name or kind with --sort-by. */
export function sortResources(all: ApiResource[], by?: string): ApiResource[] {
  const key = (r: ApiResource) => (by === "name" ? r.plural : by === "kind" ? r.kind : r.group);
  return [...all].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
}

export function renderApiResources(all: ApiResource[], o: ApiResourcesOptions): string {
  let rs = sortResources(all, o.sortBy);
  if (o.namespaced !== undefined) rs = rs.filter((r) => r.namespaced === (o.namespaced === "true"));
  if (o.apiGroup !== undefined) rs = rs.filter((r) => r.group === o.apiGroup);
  if (o.verbs?.length) rs = rs.filter((r) => o.verbs!.every((v) => (r.verbs ?? []).includes(v)));
  if (o.output === "name") return rs.map((r) => `${r.plural}${r.group ? `.${r.group}` : ""}\n`).join("");
  if (o.output && o.output !== "wide") throw new Error(`--output ${o.output} is not available`);
  const wide = o.output === "wide";
  const lines: string[][] = [];
  if (!o.noHeaders) lines.push(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", ...(wide ? ["VERBS", "CATEGORIES"] : [])]);
  for (const r of rs) {
    lines.push([r.plural, r.shortNames.join(","), r.group ? `${r.group}/${r.version}` : r.version, String(r.namespaced), r.kind, ...(wide ? [[...(r.verbs ?? [])].sort().join(","), (r.categories ?? []).join(",")] : [])]);
  }
  return layoutColumns(lines);
}

export async function runApiVersions(ctx: CtlContext): Promise<number> {
  const core = await ctx.client.request("/api");
  const groups = await ctx.client.request("/apis");
  const versions: string[] = [...(core?.versions ?? [])];
  for (const g of groups?.groups ?? []) for (const v of g.versions ?? []) versions.push(v.groupVersion);
  ctx.out(versions.sort().map((v) => `${v}\n`).join(""));
  return 0;
}

export async function runClusterInfo(ctx: CtlContext): Promise<number> {
  const server = ctx.client.config.server;
  let out = `Kubernetes control plane is running at ${server}\n`;
  const services = (await ctx.client.request("/api/v1/namespaces/kube-system/services", { query: { labelSelector: "kubernetes.io/cluster-service=true" } })).items ?? [];
  for (const svc of services) {
    const name = svc.metadata?.labels?.["kubernetes.io/name"] ?? svc.metadata?.name;
    const port = svc.spec?.ports?.[0];
    const portPart = port?.name ? `:${port.name}` : port?.port ? `:${port.port}` : "";
    out += `${name} is running at ${server}/api/v1/namespaces/kube-system/services/${svc.metadata.name}${portPart}/proxy\n`;
  }
  ctx.out(`${out}\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n`);
  return 0;
}

export function registerCluster(app: CtlApp): void {
  app
    .verb("api-resources")
    .description("Print the supported API resources on the server")
    .option("-o, --output <format>", "wide|name")
    .option("--no-headers", "omit the header line")
    .option("--namespaced <bool>", "only namespaced (true) or cluster-wide (false) resources")
    .option("--api-group <group>", "only resources of this API group")
    .option("--verbs <verbs>", "only resources that support these verbs (comma-separated)", (v) => v.split(","))
    .option("--sort-by <field>", "name or kind")
    .action(app.action(async (ctx, cmd: Command) => {
      const o = cmd.opts();
      ctx.out(renderApiResources(await ctx.discovery.all(), { ...o, noHeaders: o.headers === false }));
      return 0;
    }));
  app.verb("api-versions").description("Print the supported API versions on the server, in the form of \"group/version\"").action(app.action((ctx) => runApiVersions(ctx)));
  app.verb("cluster-info").description("Display cluster information").action(app.action((ctx) => runClusterInfo(ctx)));
}

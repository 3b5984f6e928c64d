/**
 * Verbs that lean on API the server may not serve yet — `auth can-i|whoami` (the security
 * work: SelfSubjectAccessReview, SelfSubjectReview), `create token` (TokenRequest),
 * `autoscale` (an HPA), `apply --server-side` (apply patches) — plus `replace`. Each is the
 * client side only: what the server answers, errors included, is passed on in kubectl's words.
 */
import type { Command } from "commander";
import { qualifiedName, resourcePath } from "../../client/discovery.ts";
import { isStatusError } from "../../model/errors.ts";
import { collect, type CtlApp } from "./command.ts";
import { ExitError, formatError, type CtlContext } from "./context.ts";
import { dryRun } from "./dry-run.ts";
import { readManifests } from "./manifests.ts";
import { pathOf, selectObjects } from "./objects.ts";
import { objectPrinter } from "./printers/object-printer.ts";

export async function runReplace(ctx: CtlContext, files: string[], o: { force?: boolean }, stdin?: () => string): Promise<number> {
  let failed = 0;
  for (const { object, source } of readManifests(files, stdin)) {
    try {
      const r = await ctx.discovery.forKind(object.apiVersion, object.kind);
      const ns = r.namespaced ? object.metadata?.namespace ?? ctx.namespace : undefined;
      const path = resourcePath(r, ns, object.metadata.name);
      if (o.force) {
        await ctx.client.request(path, { method: "DELETE" }).catch((e) => {
          if (!isStatusError(e, "NotFound")) throw e;
        });
        ctx.out(`${qualifiedName(r, object.metadata.name)} deleted\n`);
        await ctx.client.request(resourcePath(r, ns), { method: "POST", body: object });
      } else {
        // Without a resourceVersion kubectl replaces whatever is there now.
        const body = structuredClone(object);
        if (!body.metadata.resourceVersion) body.metadata.resourceVersion = (await ctx.client.request(path)).metadata?.resourceVersion;
        await ctx.client.request(path, { method: "PUT", body, query: { fieldManager: "kubectl-replace" } });
      }
      ctx.out(`${qualifiedName(r, object.metadata.name)} replaced\n`);
    } catch (e) {
      failed++;
      ctx.err(formatError(isStatusError(e) ? Object.assign(e, { message: `error when replacing "${source}": ${e.message}` }) : e));
    }
  }
  return failed ? 1 : 0;
}

export async function runApplyServerSide(ctx: CtlContext, files: string[], o: { forceConflicts?: boolean; fieldManager?: string; dryRun?: string }, stdin?: () => string): Promise<number> {
  const dry = dryRun(o.dryRun);
  if (dry.mode === "client") throw new Error("--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)");
  let failed = 0;
  for (const { object } of readManifests(files, stdin)) {
    try {
      const r = await ctx.discovery.forKind(object.apiVersion, object.kind);
      const ns = r.namespaced ? object.metadata?.namespace ?? ctx.namespace : undefined;
      if (dry.send) {
        await ctx.client.request(resourcePath(r, ns, object.metadata.name), {
          method: "PATCH", body: JSON.stringify(object), contentType: "application/apply-patch+yaml",
          query: { fieldManager: o.fieldManager ?? "kubectl", force: o.forceConflicts || undefined, fieldValidation: "Strict", dryRun: dry.query },
        });
      }
      ctx.out(`${qualifiedName(r, object.metadata.name)} serverside-applied${dry.suffix}\n`);
    } catch (e) {
      failed++;
      // kubectl's words when the server has no apply patches at all.
      if (isStatusError(e, "UnsupportedMediaType")) ctx.err(`error: Server-side apply not available on the server: (${e.message})\n`);
      else ctx.err(formatError(e));
    }
  }
  return failed ? 1 : 0;
}

export async function runCanI(ctx: CtlContext, args: string[], o: { allNamespaces?: boolean; subresource?: string; quiet?: boolean }): Promise<number> {
  const [verb, target] = args;
  if (!verb || !target) throw new Error("you must specify two arguments: verb resource or verb resource/resourceName.");
  let attrs: Record<string, unknown>;
  if (target.startsWith("/")) attrs = { nonResourceAttributes: { verb, path: target } };
  else {
    const [type, name] = target.split("/") as [string, string | undefined];
    const r = await ctx.discovery.resolve(type).catch(() => ({ group: "", plural: type, namespaced: true }));
    attrs = { resourceAttributes: { verb, group: r.group, resource: r.plural, ...(name ? { name } : {}), ...(o.subresource ? { subresource: o.subresource } : {}), namespace: o.allNamespaces ? "" : ctx.namespace } };
  }
  const review = await ctx.client.request("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { method: "POST", body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: attrs } });
  const allowed = !!review.status?.allowed;
  if (!o.quiet) ctx.out(allowed ? "yes\n" : review.status?.reason ? `no - ${review.status.reason}\n` : "no\n");
  return allowed ? 0 : 1;
}

export async function runWhoami(ctx: CtlContext, o: { output?: string }): Promise<number> {
  let review: any;
  try {
    review = await ctx.client.request("/apis/authentication.k8s.io/v1/selfsubjectreviews", { method: "POST", body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
  } catch (e) {
    if (isStatusError(e, "NotFound")) throw new Error("the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API");
    throw e;
  }
  const printer = o.output ? objectPrinter(o.output) : undefined;
  if (printer) {
    ctx.out(printer.print(review, [review]));
    return 0;
  }
  const u = review.status?.userInfo ?? {};
  const lines: string[][] = [["ATTRIBUTE", "VALUE"], ["Username", u.username ?? ""], ...(u.uid ? [["UID", u.uid]] : []), ...(u.groups?.length ? [["Groups", `[${u.groups.join(" ")}]`]] : [])];
  const w = Math.max(...lines.map((l) => l[0]!.length)) + 3;
  ctx.out(lines.map((l) => `${l[0]!.padEnd(w)}${l[1]}\n`).join(""));
  return 0;
}

export async function runCreateToken(ctx: CtlContext, name: string, o: { duration?: string; audience?: string[] }): Promise<number> {
  const seconds = o.duration ? Math.round(Number.parseFloat(o.duration) * ({ s: 1, m: 60, h: 3600 }[o.duration.slice(-1)] ?? 1)) : undefined;
  const tr = await ctx.client
    .request(`/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/serviceaccounts/${encodeURIComponent(name)}/token`, {
      method: "POST",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { ...(o.audience?.length ? { audiences: o.audience } : {}), ...(seconds ? { expirationSeconds: seconds } : {}) } },
    })
    .catch((e) => {
      throw new Error(`failed to create token: ${(e as Error).message}`, { cause: e });
    });
  if (!tr.status?.token) throw new Error("failed to create token: no token in response");
  // kubectl prints the bare token, no newline.
  ctx.out(tr.status.token);
  return 0;
}

export async function runAutoscale(ctx: CtlContext, args: string[], o: { min?: string; max?: string; cpuPercent?: string; name?: string; dryRun?: string }): Promise<number> {
  const dry = dryRun(o.dryRun);
  if (!o.max) throw new ExitError("error: --max=MAXPODS is required and must be at least 1, max < min not allowed", 1);
  const refs = await selectObjects(ctx, args, {});
  for (const ref of refs) {
    const obj = await ctx.client.request(pathOf(ref));
    const name = o.name ?? ref.name;
    const hpa = {
      apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name },
      spec: {
        scaleTargetRef: { apiVersion: obj.apiVersion ?? `${ref.r.group ? `${ref.r.group}/` : ""}${ref.r.version}`, kind: ref.r.kind, name: ref.name },
        ...(o.min ? { minReplicas: Number(o.min) } : {}),
        maxReplicas: Number(o.max),
        ...(o.cpuPercent ? { metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: Number(o.cpuPercent) } } }] } : {}),
      },
    };
    if (dry.send) await ctx.client.request(`/apis/autoscaling/v2/namespaces/${encodeURIComponent(ref.ns ?? ctx.namespace)}/horizontalpodautoscalers`, { method: "POST", body: hpa, query: { dryRun: dry.query } });
    // kubectl's words differ by mode: "created (dry run)", "autoscaled (server dry run)".
    ctx.out(`horizontalpodautoscaler.autoscaling/${name} ${dry.mode === "client" ? "created" : "autoscaled"}${dry.suffix}\n`);
  }
  return 0;
}

export function registerMore(app: CtlApp): void {
  app
    .verb("replace")
    .description("Replace a resource by file name or stdin")
    .requiredOption("-f, --filename <path...>", "file, directory or - for stdin")
    .option("--force", "delete and re-create")
    .action(app.action((ctx, cmd: Command) => runReplace(ctx, cmd.opts().filename, cmd.opts(), app.deps.stdin)));
  const auth = app.verb("auth").description("Inspect authorization");
  app
    .verb("can-i", auth)
    .description("Check whether an action is allowed")
    .argument("<verb>")
    .argument("<resource>", "TYPE, TYPE/NAME or a /non-resource/path")
    .option("-A, --all-namespaces", "in any namespace")
    .option("--subresource <name>", "a subresource such as log or exec")
    .option("-q, --quiet", "answer by the exit code only")
    .action(app.action((ctx, cmd: Command) => runCanI(ctx, cmd.args, cmd.opts())));
  app
    .verb("whoami", auth)
    .description("Experimental: Check self subject attributes")
    .option("-o, --output <format>", "json, yaml, …")
    .action(app.action((ctx, cmd: Command) => runWhoami(ctx, cmd.opts())));
  const create = app.ctl.commands.find((c) => c.name() === "create");
  if (create) {
    app
      .verb("token", create)
      .description("Request a service account token")
      .argument("<serviceaccount>")
      .option("--duration <d>", "requested lifetime (e.g. 1h)")
      .option("--audience <aud>", "intended audience (repeatable)", collect)
      .action(app.action((ctx, cmd: Command) => runCreateToken(ctx, cmd.args[0]!, cmd.opts())));
  }
  app
    .verb("autoscale")
    .description("Auto-scale a deployment, replica set, stateful set, or replication controller")
    .argument("<resources...>", "TYPE NAME or TYPE/NAME")
    .option("--min <n>", "lower limit for the number of pods")
    .option("--max <n>", "upper limit for the number of pods (required)")
    .option("--cpu-percent <n>", "target average CPU utilization")
    .option("--name <name>", "the autoscaler's name (default: the object's)")
    .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
    .action(app.action((ctx, cmd: Command) => runAutoscale(ctx, cmd.args, cmd.opts())));
}

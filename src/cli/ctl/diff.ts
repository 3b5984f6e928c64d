/**
 * `k3rs ctl diff -f FILE`: what `apply -f FILE` would change, as kubectl shows it. Each object
 * is written twice — as it is on the server (LIVE) and as the server says it would be after
 * the apply, asked with dryRun=All (MERGED) — into two temp directories, and `diff -u -N` (or
 * `KUBECTL_EXTERNAL_DIFF`) compares them. Exit codes as kubectl's: 0 no difference, 1
 * differences, 2 an error (the diff program's own status above 1 counts as one).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { resourcePath, type ApiResource } from "../../client/discovery.ts";
import { LAST_APPLIED, threeWayMergePatch } from "../../client/three-way.ts";
import { isStatusError } from "../../model/errors.ts";
import type { CtlApp } from "./command.ts";
import { formatError, type CtlContext } from "./context.ts";
import { diffCommand } from "./diff/diff-program.ts";
import { maskSecretData } from "./diff/secret-mask.ts";
import { readManifests } from "./manifests.ts";
import { objectPrinter } from "./printers/object-printer.ts";

export interface DiffOptions {
  filename?: string[];
  serverSide?: boolean;
  forceConflicts?: boolean;
  fieldManager?: string;
  showManagedFields?: boolean;
  env?: Record<string, string | undefined>;
  stdin?: () => string;
}

/** kubectl retries an object this often when it changed between the read and the dry run. */
const MAX_TRIES = 4;

/** `apps.v1.Deployment.shop.web`, `v1.Namespace..shop`: kubectl's file name for an object. */
export function diffFileName(apiVersion: string, kind: string, namespace: string, name: string): string {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : `${apiVersion.slice(0, slash)}.`;
  return `${group}${slash < 0 ? apiVersion : apiVersion.slice(slash + 1)}.${kind}.${namespace}.${name}`;
}

/** `/tmp/LIVE-2936823929`: named as Go's os.MkdirTemp names them, so paths in the output look like kubectl's. */
function tempDir(prefix: string): string {
  for (;;) {
    const dir = join(tmpdir(), `${prefix}${crypto.getRandomValues(new Uint32Array(1))[0]}`);
    try {
      mkdirSync(dir, { mode: 0o700 });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}

interface Target {
  r: ApiResource;
  ns: string | undefined;
  local: any;
}

/**
 * The server's answer to "apply this" without storing it (or the live object when nothing
 * would change). `force`, on the last try, drops the resourceVersion precondition of the
 * client-side patch; a server-side apply's field conflicts stay errors unless --force-conflicts.
 */
async function merged(ctx: CtlContext, t: Target, live: any, o: DiffOptions, force: boolean): Promise<any> {
  const name = t.local.metadata.name;
  // kubectl's managers: its apply's (server side), its client-side apply's (the patch below).
  if (o.serverSide) {
    return ctx.client.request(resourcePath(t.r, t.ns, name), {
      method: "PATCH", body: JSON.stringify(t.local), contentType: "application/apply-patch+yaml",
      query: { dryRun: "All", fieldManager: o.fieldManager ?? "kubectl", force: !!o.forceConflicts },
    });
  }
  if (!live) return ctx.client.request(resourcePath(t.r, t.ns), { method: "POST", body: t.local, query: { dryRun: "All" } });
  const fieldManager = o.fieldManager ?? "kubectl-client-side-apply";
  // The manifest without the last-applied annotation (kubectl diff does not rewrite it),
  // patched three-way against the previous manifest, as `apply` would.
  const modified = structuredClone(t.local);
  modified.metadata.annotations = { ...(modified.metadata.annotations ?? {}) };
  delete modified.metadata.annotations[LAST_APPLIED];
  let previous: any;
  try {
    previous = JSON.parse(live.metadata?.annotations?.[LAST_APPLIED] ?? "");
  } catch {}
  const patch = threeWayMergePatch(previous, modified, live);
  if (Object.keys(patch).length === 0) return live;
  // The read resourceVersion makes a concurrent change a Conflict, which the caller retries.
  if (!force) patch.metadata = { ...(patch.metadata ?? {}), resourceVersion: live.metadata?.resourceVersion };
  return ctx.client.request(resourcePath(t.r, t.ns, name), { method: "PATCH", body: patch, contentType: "application/merge-patch+json", query: { dryRun: "All", fieldManager } });
}

async function target(ctx: CtlContext, object: any, source: string): Promise<Target> {
  const r = await ctx.discovery.forKind(object.apiVersion, object.kind).catch((cause: Error) => {
    throw new Error(`resource mapping not found for name: "${object.metadata?.name ?? ""}" namespace: "${object.metadata?.namespace ?? ""}" from "${source}": ${cause.message}\nensure CRDs are installed first`, { cause });
  });
  if (!object.metadata?.name) throw new Error(`error when retrieving current configuration: resource name may not be empty`);
  const local = structuredClone(object);
  let ns: string | undefined;
  if (r.namespaced) {
    const own = local.metadata.namespace;
    if (own && ctx.explicitNamespace && own !== ctx.namespace) {
      throw new Error(`the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
    }
    ns = own ?? ctx.namespace;
    local.metadata.namespace = ns;
  }
  return { r, ns, local };
}

/** LIVE and MERGED of one object, as the files will hold them. */
async function versions(ctx: CtlContext, t: Target, o: DiffOptions): Promise<{ live: any; merged: any }> {
  for (let attempt = 1; ; attempt++) {
    let live: any;
    try {
      live = await ctx.client.request(resourcePath(t.r, t.ns, t.local.metadata.name));
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
    const force = attempt === MAX_TRIES;
    if (force) ctx.err(klogWarning(`Object (${gvkString(t.local)}: ${t.local.metadata.name}) keeps changing, diffing without lock`));
    try {
      const after = await merged(ctx, t, live, o, force);
      if (live?.metadata?.deletionTimestamp) ctx.err(`Warning: Detected changes to resource ${t.local.metadata.name} which is currently being deleted.\n`);
      return { live, merged: after };
    } catch (e) {
      if (!isStatusError(e, "Conflict") || force) throw e;
    }
  }
}

/** `apps/v1, Kind=Deployment`, as Go prints a GroupVersionKind. */
function gvkString(obj: any): string {
  const v = String(obj.apiVersion);
  return `${v.includes("/") ? v : `/${v}`}, Kind=${obj.kind}`;
}

/** A warning line as kubectl's logger (klog) writes it, where kubectl gives up on a changing object. */
function klogWarning(msg: string, now = new Date()): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const micros = String(now.getUTCMilliseconds() * 1000).padStart(6, "0");
  return `W${p2(now.getUTCMonth() + 1)}${p2(now.getUTCDate())} ${p2(now.getUTCHours())}:${p2(now.getUTCMinutes())}:${p2(now.getUTCSeconds())}.${micros} ${String(process.pid).padStart(7)} diff.go:723] ${msg}\n`;
}

export async function runDiff(ctx: CtlContext, o: DiffOptions): Promise<number> {
  const dirs: string[] = [];
  try {
    if (!o.filename?.length) throw new Error("must specify one of -f and -k");
    const manifests = readManifests(o.filename, o.stdin);
    const liveDir = tempDir("LIVE-");
    dirs.push(liveDir);
    const mergedDir = tempDir("MERGED-");
    dirs.push(mergedDir);
    const yaml = objectPrinter("yaml", { showManagedFields: o.showManagedFields })!;
    const print = (obj: any) => (obj ? yaml.print(obj, [obj]) : "");
    for (const { object, source } of manifests) {
      const t = await target(ctx, object, source);
      let { live, merged: after } = await versions(ctx, t, o);
      if (after?.kind === "Secret" && (after.apiVersion ?? "v1") === "v1") ({ live, merged: after } = maskSecretData(live, after));
      const file = diffFileName(object.apiVersion, object.kind, t.ns ?? "", t.local.metadata.name);
      writeFileSync(join(liveDir, file), print(live));
      writeFileSync(join(mergedDir, file), print(after));
    }
    return await runProgram(ctx, diffCommand(o.env?.KUBECTL_EXTERNAL_DIFF, liveDir, mergedDir), o.env ?? process.env);
  } catch (e) {
    ctx.err(formatError(e));
    return 2;
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Runs the diff program; its output is the command's. Status 0 and 1 pass through, others are errors. */
async function runProgram(ctx: CtlContext, argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [cmd] = argv as [string, ...string[]];
  if (!cmd.includes("/") && !Bun.which(cmd, { PATH: env.PATH ?? "" })) throw new Error(`failed to run "${cmd}": executable file not found in $PATH`);
  // On a terminal the program gets it (an interactive diff tool); otherwise its output is relayed.
  const tty = !!process.stdout.isTTY;
  const p = Bun.spawn(argv, { stdin: "inherit", stdout: tty ? "inherit" : "pipe", stderr: tty ? "inherit" : "pipe", env: env as Record<string, string> });
  if (!tty) {
    const [out, err] = await Promise.all([new Response(p.stdout as ReadableStream).text(), new Response(p.stderr as ReadableStream).text()]);
    ctx.out(out);
    ctx.err(err);
  }
  const code = await p.exited;
  if (code > 1) throw new Error(`failed to run "${cmd}": exit status ${code}`);
  return code;
}

export function registerDiff(app: CtlApp): void {
  app
    .verb("diff")
    .description("Diff the live version against what apply would make it")
    .option("-f, --filename <path...>", "file, directory or - for stdin")
    .option("--server-side", "diff against a server-side apply")
    .option("--force-conflicts", "with --server-side: take over fields other managers own")
    .option("--field-manager <name>", "the manager's name (default kubectl-client-side-apply; kubectl with --server-side)")
    .option("--show-managed-fields", "keep metadata.managedFields in the compared objects")
    .action(app.action((ctx, cmd: Command) => runDiff(ctx, { ...cmd.opts(), env: app.deps.env ?? process.env, stdin: app.deps.stdin })));
}

/** `k3rs ctl delete`: by name, by file, by selector or --all; waits until the objects are gone unless --wait=false. */
import { isStatusError } from "../../model/errors.ts";
import { pluralName, resourcePath, type ApiResource } from "../../client/discovery.ts";
import { formatError, type CtlContext } from "./context.ts";
import { dryRun } from "./dry-run.ts";
import { readManifests } from "./manifests.ts";
import { parseTargets } from "./get.ts";

export interface DeleteOptions {
  filename?: string[];
  selector?: string;
  all?: boolean;
  wait?: boolean;
  gracePeriod?: number;
  ignoreNotFound?: boolean;
  timeoutMs?: number;
  /** background (default), foreground or orphan; kubectl also takes true (background) and false (orphan). */
  cascade?: string;
  now?: boolean;
  force?: boolean;
  dryRun?: string;
}

/** kubectl's --cascade values as the DeleteOptions' propagationPolicy. */
export function propagationPolicy(cascade: string | undefined): string {
  switch ((cascade ?? "background").toLowerCase()) {
    case "background":
    case "true":
      return "Background";
    case "foreground":
      return "Foreground";
    case "orphan":
    case "false":
      return "Orphan";
    default:
      throw new Error(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`);
  }
}

export async function runDelete(ctx: CtlContext, args: string[], o: DeleteOptions, stdin?: () => string): Promise<number> {
  const policy = propagationPolicy(o.cascade);
  const dry = dryRun(o.dryRun);
  // --now is a grace period of 1; --force with 0 deletes at once (kubectl warns first).
  const grace = o.now ? 1 : o.gracePeriod;
  if (o.force && (grace === undefined || grace === 0)) ctx.err("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n");
  const effectiveGrace = o.force && grace === undefined ? 0 : grace;
  const victims: { r: ApiResource; ns?: string; name: string }[] = [];
  if (o.filename?.length) {
    for (const { object } of readManifests(o.filename, stdin)) {
      const r = await ctx.discovery.forKind(object.apiVersion, object.kind);
      victims.push({ r, ns: r.namespaced ? object.metadata?.namespace ?? ctx.namespace : undefined, name: object.metadata.name });
    }
  } else {
    if (!args.length) throw new Error("You must provide one or more resources by argument or filename.");
    const targets = await parseTargets(ctx, args);
    for (const { r, names } of targets) {
      const ns = r.namespaced ? ctx.namespace : undefined;
      if (names.length) for (const name of names) victims.push({ r, ns, name });
      else if (o.selector || o.all) {
        const list = await ctx.client.request(resourcePath(r, ns), { query: { labelSelector: o.selector } });
        for (const item of list.items ?? []) victims.push({ r, ns, name: item.metadata.name });
      } else throw new Error(`resource(s) were provided, but no name was specified`);
    }
  }
  if (!victims.length && (o.selector || o.all)) {
    // On stdout, as kubectl prints it for delete (get says it on stderr).
    ctx.out(`No resources found\n`);
    return 0;
  }
  let failed = 0;
  const deleted: { r: ApiResource; ns?: string; name: string; uid?: string }[] = [];
  for (const v of victims) {
    try {
      const body = { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: policy, ...(effectiveGrace !== undefined ? { gracePeriodSeconds: effectiveGrace } : {}) };
      // A client dry run sends nothing, not even a read (kubectl says "deleted (dry run)" of a missing object too).
      const res = dry.send ? await ctx.client.request(resourcePath(v.r, v.ns, v.name), { method: "DELETE", body, query: { dryRun: dry.query } }) : undefined;
      ctx.out(`${v.r.singular}${v.r.group ? `.${v.r.group}` : ""} "${v.name}" ${o.force && effectiveGrace === 0 ? "force deleted" : "deleted"}${dry.suffix}\n`);
      if (dry.mode === "none") deleted.push({ ...v, uid: res?.metadata?.uid });
    } catch (e) {
      if (o.ignoreNotFound && isStatusError(e, "NotFound")) continue;
      failed++;
      ctx.err(formatError(e));
    }
  }
  if (o.wait !== false) {
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    for (const d of deleted) {
      for (;;) {
        let gone = false;
        try {
          const cur = await ctx.client.request(resourcePath(d.r, d.ns, d.name));
          gone = !!d.uid && cur.metadata?.uid !== d.uid;
        } catch (e) {
          if (!isStatusError(e, "NotFound")) throw e;
          gone = true;
        }
        if (gone) break;
        if (Date.now() > deadline) {
          ctx.err(`error: timed out waiting for the condition on ${pluralName(d.r)}/${d.name}\n`);
          return 1;
        }
        await Bun.sleep(200);
      }
    }
  }
  return failed ? 1 : 0;
}

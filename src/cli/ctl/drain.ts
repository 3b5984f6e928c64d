/**
 * `k3rs ctl drain`: cordon, then evict every pod the drain filters allow through the eviction
 * API — retrying every 5 s while a PodDisruptionBudget says no (HTTP 429), as kubectl does —
 * and wait for each to be gone, a line per evicted pod.
 */
import type { Command } from "commander";
import { isStatusError } from "../../model/errors.ts";
import { parseGoDuration } from "../../model/duration.ts";
import type { CtlApp } from "./command.ts";
import { ExitError, type CtlContext } from "./context.ts";
import { planDrain, type DrainFlags } from "./drain-plan.ts";
import { setUnschedulable } from "./node.ts";

export interface DrainOptions extends DrainFlags {
  timeout?: string;
  gracePeriod?: string;
  podSelector?: string;
  disableEviction?: boolean;
  dryRun?: string;
  /** The wait between evictions a budget refused (kubectl: 5 s). */
  retryMs?: number;
}

const podPath = (p: any) => `/api/v1/namespaces/${encodeURIComponent(p.metadata.namespace)}/pods/${encodeURIComponent(p.metadata.name)}`;

export async function runDrain(ctx: CtlContext, args: string[], o: DrainOptions): Promise<number> {
  if (args.length !== 1) throw new Error("USAGE: drain NODE [flags]");
  const node = args[0]!.replace(/^nodes?\//, "");
  if ((await setUnschedulable(ctx, [node], true, { dryRun: o.dryRun })) !== 0) return 1;
  const pods = (await ctx.client.request("/api/v1/pods", { query: { fieldSelector: `spec.nodeName=${node}`, labelSelector: o.podSelector } })).items ?? [];
  const plan = planDrain(pods, o);
  if (plan.errors.length) {
    const joined = plan.errors.length === 1 ? plan.errors[0] : `[${plan.errors.join(", ")}]`;
    ctx.err(`error: unable to drain node "${node}" due to error: ${joined}, continuing command...\nThere are pending nodes to be drained:\n ${node}\n`);
    throw new ExitError(plan.errors.join("\n"), 1);
  }
  if (plan.warnings) ctx.err(`Warning: ${plan.warnings}\n`);
  const victims = plan.statuses.filter((s) => s.delete).map((s) => s.pod);
  if (o.dryRun === "server" || o.dryRun === "client") {
    for (const p of victims) ctx.out(`evicting pod ${p.metadata.namespace}/${p.metadata.name} (${o.dryRun === "server" ? "server " : ""}dry run)\n`);
    ctx.out(`node/${node} drained (${o.dryRun === "server" ? "server " : ""}dry run)\n`);
    return 0;
  }
  const timeoutMs = o.timeout ? parseGoDuration(o.timeout) : 0;
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  const grace = o.gracePeriod !== undefined && Number(o.gracePeriod) >= 0 ? Number(o.gracePeriod) : undefined;
  const errors: string[] = [];
  await Promise.all(
    victims.map(async (p) => {
      try {
        await evictOne(ctx, p, o, grace, deadline);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }),
  );
  if (errors.length) {
    const agg = errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`;
    const left = planDrain((await ctx.client.request("/api/v1/pods", { query: { fieldSelector: `spec.nodeName=${node}`, labelSelector: o.podSelector } })).items ?? [], o);
    const pending = left.statuses.filter((st) => st.delete);
    if (pending.length) ctx.err(`There are pending pods in node "${node}" when an error occurred: ${agg}\n${pending.map((st) => `pod/${st.pod.metadata.name}\n`).join("")}`);
    ctx.err(`error: unable to drain node "${node}" due to error: ${agg}, continuing command...\nThere are pending nodes to be drained:\n ${node}\n`);
    throw new Error(agg);
  }
  ctx.out(`node/${node} drained\n`);
  return 0;
}

async function evictOne(ctx: CtlContext, p: any, o: DrainOptions, grace: number | undefined, deadline: number): Promise<void> {
  const ns = p.metadata.namespace;
  const name = p.metadata.name;
  ctx.out(`${o.disableEviction ? "deleting" : "evicting"} pod ${ns}/${name}\n`);
  const deleteOptions = grace !== undefined ? { gracePeriodSeconds: grace } : undefined;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`error when evicting pods/"${name}" -n "${ns}": global timeout reached`);
    try {
      if (o.disableEviction) await ctx.client.request(podPath(p), { method: "DELETE", body: deleteOptions ?? {} });
      else await ctx.client.request(`${podPath(p)}/eviction`, { method: "POST", body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: ns }, ...(deleteOptions ? { deleteOptions } : {}) } });
      break;
    } catch (e) {
      if (isStatusError(e, "NotFound")) return;
      if (isStatusError(e, "TooManyRequests")) {
        ctx.err(`error when evicting pods/"${name}" -n "${ns}" (will retry after 5s): ${(e as Error).message}\n`);
        await Bun.sleep(o.retryMs ?? 5000);
        continue;
      }
      throw new Error(`error when evicting pods/"${name}" -n "${ns}": ${(e as Error).message}`);
    }
  }
  // Gone, or replaced by a namesake (a StatefulSet's pod): either way this one was evicted.
  for (;;) {
    try {
      const cur = await ctx.client.request(podPath(p));
      if (cur.metadata?.uid !== p.metadata.uid) break;
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
      break;
    }
    if (Date.now() > deadline) throw new Error(`drain did not complete within ${o.timeout}`);
    await Bun.sleep(500);
  }
  ctx.out(`pod/${name} ${o.disableEviction ? "deleted" : "evicted"}\n`);
}

export function registerDrain(app: CtlApp): void {
  app
    .verb("drain")
    .description("Drain node in preparation for maintenance")
    .argument("<node>", "NODE")
    .option("--ignore-daemonsets", "ignore DaemonSet-managed pods")
    .option("--delete-emptydir-data", "continue even if there are pods using emptyDir (their data is lost)")
    .option("--force", "continue even if there are pods that do not declare a controller")
    .option("--timeout <duration>", "the length of time to wait before giving up (0: forever)")
    .option("--grace-period <seconds>", "seconds given to each pod to terminate (default: the pod's own)")
    .option("--pod-selector <selector>", "only evict pods matching this label selector")
    .option("--disable-eviction", "delete pods instead of evicting them (bypasses PodDisruptionBudgets)")
    .option("--dry-run <mode>", "client|server: show what would be evicted")
    .action(app.action((ctx, cmd: Command) => runDrain(ctx, cmd.args, cmd.opts())));
}

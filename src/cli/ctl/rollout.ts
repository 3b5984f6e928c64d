/**
 * `k3rs ctl rollout status|history|undo|restart|pause|resume` for Deployments, DaemonSets and
 * StatefulSets, each as kubectl does it: status watches the object through kubectl's status
 * viewers; history and undo read ReplicaSets (Deployments) or ControllerRevisions (the others).
 */
import type { Command } from "commander";
import { parseGoDuration } from "../../model/duration.ts";
import type { CtlApp } from "./command.ts";
import { formatError, type CtlContext } from "./context.ts";
import { eachObject, labelOf, pathOf, selectObjects, type ObjectRef } from "./objects.ts";
import { rolloutStatus } from "./rollout-status.ts";
import { pluralName } from "../../client/discovery.ts";
import { dryRun } from "./dry-run.ts";
import { podTemplateText } from "./printers/pod-template-text.ts";

const REVISION = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE = "kubernetes.io/change-cause";
const RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
const ROLLABLE = new Set(["Deployment", "DaemonSet", "StatefulSet"]);
/** Annotations a rollback leaves alone (kubectl's annotationsToSkip). */
const SKIPPED_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  "deployment.kubernetes.io/revision-history",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
]);

function checkKind(ref: ObjectRef, what: string): void {
  if (!ROLLABLE.has(ref.r.kind)) throw new Error(`${what} is not supported on given object`);
}

export async function runRolloutStatus(ctx: CtlContext, args: string[], o: { watch?: boolean; timeout?: string; revision?: string; selector?: string; signal?: AbortSignal }): Promise<number> {
  const refs = await selectObjects(ctx, args, { selector: o.selector });
  const timeoutMs = o.timeout ? parseGoDuration(o.timeout) : 0;
  const revision = o.revision ? Number(o.revision) : 0;
  return eachObject(ctx, refs, async (ref) => {
    let obj = await ctx.client.request(pathOf(ref));
    let st = rolloutStatus(obj, revision);
    ctx.out(st.message);
    if (st.done || o.watch === false) return;
    const abort = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => abort.abort(), timeoutMs) : undefined;
    o.signal?.addEventListener("abort", () => abort.abort(), { once: true });
    try {
      for (;;) {
        const query = { fieldSelector: `metadata.name=${ref.name}`, resourceVersion: obj.metadata?.resourceVersion };
        const path = pathOf({ ...ref, name: "" });
        for await (const ev of ctx.client.watch(path, { query, signal: abort.signal })) {
          if (ev.type === "DELETED") throw new Error(`object has been deleted`);
          if (ev.type !== "ADDED" && ev.type !== "MODIFIED") continue;
          obj = ev.object;
          st = rolloutStatus({ kind: ref.r.kind, ...obj }, revision);
          ctx.out(st.message);
          if (st.done) return;
        }
        // The server ended the watch (its timeout): carry on from where it was.
        obj = await ctx.client.request(pathOf(ref));
      }
    } catch (e) {
      if (abort.signal.aborted) throw new Error("timed out waiting for the condition");
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }, formatError);
}

interface Revision {
  revision: number;
  cause?: string;
  template?: any;
  data?: any;
  annotations?: Record<string, string>;
  name: string;
}

/** A workload's revisions, oldest first: its ReplicaSets for a Deployment, its ControllerRevisions otherwise. */
async function revisions(ctx: CtlContext, ref: ObjectRef, obj: any): Promise<Revision[]> {
  const ownedBy = (x: any) => (x.metadata?.ownerReferences ?? []).some((r: any) => r.uid === obj.metadata.uid);
  const ns = encodeURIComponent(ref.ns ?? "default");
  if (ref.r.kind === "Deployment") {
    const rss = ((await ctx.client.request(`/apis/apps/v1/namespaces/${ns}/replicasets`)).items ?? []).filter(ownedBy);
    return rss
      .map((rs: any) => ({ revision: Number(rs.metadata?.annotations?.[REVISION] ?? 0), cause: rs.metadata?.annotations?.[CHANGE_CAUSE], template: rs.spec?.template, annotations: rs.metadata?.annotations, name: rs.metadata.name }))
      .filter((r: Revision) => r.revision > 0)
      .sort((a: Revision, b: Revision) => a.revision - b.revision);
  }
  const crs = ((await ctx.client.request(`/apis/apps/v1/namespaces/${ns}/controllerrevisions`)).items ?? []).filter(ownedBy);
  return crs
    .map((cr: any) => ({ revision: Number(cr.revision ?? 0), cause: cr.metadata?.annotations?.[CHANGE_CAUSE], data: cr.data, name: cr.metadata.name }))
    .sort((a: Revision, b: Revision) => a.revision - b.revision);
}

export async function runRolloutHistory(ctx: CtlContext, args: string[], o: { revision?: string; selector?: string }): Promise<number> {
  const refs = await selectObjects(ctx, args, { selector: o.selector });
  return eachObject(ctx, refs, async (ref) => {
    checkKind(ref, "rollout history");
    const obj = await ctx.client.request(pathOf(ref));
    const revs = await revisions(ctx, ref, obj);
    if (o.revision && Number(o.revision) > 0) {
      const rev = revs.find((r) => r.revision === Number(o.revision));
      if (!rev) throw new Error(`unable to find the specified revision`);
      ctx.out(`${labelOf(ref)} with revision #${rev.revision}\n`);
      ctx.out(`Pod Template:\n${podTemplateText(rev.template ?? rev.data?.spec?.template)}\n`);
      return;
    }
    if (!revs.length) {
      ctx.out(`No rollout history found.\n`);
      return;
    }
    // kubectl's history table: a tabwriter with padding 2 and no minimum width.
    const lines = [["REVISION", "CHANGE-CAUSE"], ...revs.map((r) => [String(r.revision), r.cause ?? "<none>"])];
    const w = Math.max(...lines.map((l) => l[0]!.length)) + 2;
    const text = lines.map((l) => `${l[0]!.padEnd(w)}${l[1]}\n`).join("");
    ctx.out(`${labelOf(ref)} \n${text}\n`);
  }, formatError);
}

export async function runRolloutUndo(ctx: CtlContext, args: string[], o: { toRevision?: string; selector?: string; dryRun?: string }): Promise<number> {
  const refs = await selectObjects(ctx, args, { selector: o.selector });
  const dry = dryRun(o.dryRun);
  const to = o.toRevision ? Number(o.toRevision) : 0;
  return eachObject(ctx, refs, async (ref) => {
    checkKind(ref, "rollback");
    const obj = await ctx.client.request(pathOf(ref));
    const revs = await revisions(ctx, ref, obj);
    let target: Revision | undefined;
    if (to > 0) {
      target = revs.find((r) => r.revision === to);
      if (!target) throw new Error(`unable to find specified revision ${to} in history`);
    } else {
      if (revs.length < 2) throw new Error(`no rollout history found for ${ref.r.kind.toLowerCase()} "${ref.name}"`);
      target = revs[revs.length - 2];
    }
    if (ref.r.kind === "Deployment" && obj.spec?.paused) throw new Error(`you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again`);
    if (!dry.send) {
      // kubectl's client dry run shows the template it would roll back to.
      ctx.out(`${labelOf(ref)} Pod Template:\n${podTemplateText(target!.template ?? target!.data?.spec?.template)}${dry.suffix}\n`);
      return;
    }
    if (ref.r.kind === "Deployment") {
      const template = structuredClone(target!.template ?? {});
      if (template.metadata?.labels) delete template.metadata.labels["pod-template-hash"];
      if (JSON.stringify(sorted(template)) === JSON.stringify(sorted(obj.spec?.template))) {
        ctx.out(`${labelOf(ref)} skipped rollback (current template already matches revision ${target!.revision})\n`);
        return;
      }
      // As kubectl sends it: the template as Go marshals a PodTemplateSpec (a null
      // creationTimestamp included), and the annotations the ReplicaSet carries over.
      template.metadata = { creationTimestamp: null, ...template.metadata };
      const annotations: Record<string, string> = {};
      for (const [k, v] of Object.entries(obj.metadata?.annotations ?? {})) if (!SKIPPED_ANNOTATIONS.has(k)) annotations[k] = v as string;
      for (const [k, v] of Object.entries(target!.annotations ?? {})) if (!SKIPPED_ANNOTATIONS.has(k)) annotations[k] = v as string;
      const patch = [
        { op: "replace", path: "/spec/template", value: template },
        { op: "replace", path: "/metadata/annotations", value: annotations },
      ];
      if (dry.send) await ctx.client.request(pathOf(ref), { method: "PATCH", body: JSON.stringify(patch), contentType: "application/json-patch+json", query: { dryRun: dry.query } });
    } else {
      if (dry.send) await ctx.client.request(pathOf(ref), { method: "PATCH", body: JSON.stringify(target!.data ?? {}), contentType: "application/strategic-merge-patch+json", query: { dryRun: dry.query } });
    }
    ctx.out(`${labelOf(ref)} rolled back${dry.suffix}\n`);
  }, formatError);
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as any)[k])]));
  return v;
}

export async function runRolloutRestart(ctx: CtlContext, args: string[], o: { selector?: string; dryRun?: string }, now: () => Date = () => new Date()): Promise<number> {
  const dry = dryRun(o.dryRun);
  const refs = await selectObjects(ctx, args, { selector: o.selector });
  return eachObject(ctx, refs, async (ref) => {
    checkKind(ref, "restarting");
    const obj = await ctx.client.request(pathOf(ref));
    if (ref.r.kind === "Deployment" && obj.spec?.paused) throw new Error(`${pluralName(ref.r)} "${ref.name}" can't restart paused deployment (run rollout resume first)`);
    const at = rfc3339Local(now());
    const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
    if (dry.send) await ctx.client.request(pathOf(ref), { method: "PATCH", body, contentType: "application/strategic-merge-patch+json", query: { dryRun: dry.query } });
    ctx.out(`${labelOf(ref)} restarted${dry.suffix}\n`);
  }, formatError);
}

/** Go's time.Now().Format(time.RFC3339): local time, seconds, `Z` or the offset. */
export function rfc3339Local(d: Date): string {
  const off = -d.getTimezoneOffset();
  const p = (n: number) => String(Math.abs(n)).padStart(2, "0");
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return off === 0 ? `${base}Z` : `${base}${off > 0 ? "+" : "-"}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
}

export async function runRolloutPause(ctx: CtlContext, args: string[], paused: boolean, o: { selector?: string }): Promise<number> {
  const refs = await selectObjects(ctx, args, { selector: o.selector });
  return eachObject(ctx, refs, async (ref) => {
    if (ref.r.kind !== "Deployment") throw new Error(`${pluralName(ref.r)} "${ref.name}" ${paused ? "pausing" : "resuming"} is not supported`);
    const obj = await ctx.client.request(pathOf(ref));
    if (!!obj.spec?.paused === paused) throw new Error(`${pluralName(ref.r)} "${ref.name}" is ${paused ? "already paused" : "not paused"}`);
    await ctx.client.request(pathOf(ref), { method: "PATCH", body: { spec: { paused: paused ? true : null } }, contentType: "application/strategic-merge-patch+json" });
    ctx.out(`${labelOf(ref)} ${paused ? "paused" : "resumed"}\n`);
  }, formatError);
}

export function registerRollout(app: CtlApp): void {
  const rollout = app.verb("rollout").description("Manage the rollout of one or many resources");
  const sub = (name: string) => app.verb(name, rollout).argument("[resources...]", "TYPE NAME or TYPE/NAME").option("-l, --selector <selector>", "label selector");
  sub("status")
    .description("Show the status of the rollout")
    .option("-w, --watch <bool>", "watch the status of the rollout until it's done (default true)", "true")
    .option("--timeout <duration>", "the length of time to wait before ending watch (0: never)")
    .option("--revision <n>", "pin to a specific revision")
    .action(app.action((ctx, cmd: Command) => {
      const o = cmd.opts();
      return runRolloutStatus(ctx, cmd.args, { ...o, watch: o.watch !== "false" });
    }));
  sub("history")
    .description("View rollout history")
    .option("--revision <n>", "the details of one revision")
    .action(app.action((ctx, cmd: Command) => runRolloutHistory(ctx, cmd.args, cmd.opts())));
  sub("undo")
    .description("Undo a previous rollout")
    .option("--to-revision <n>", "the revision to roll back to (default: the previous one)")
    .option("--dry-run <mode>", "none, client (send nothing) or server (validate, store nothing)")
    .action(app.action((ctx, cmd: Command) => runRolloutUndo(ctx, cmd.args, cmd.opts())));
  sub("restart")
    .description("Restart a resource")
    .action(app.action((ctx, cmd: Command) => runRolloutRestart(ctx, cmd.args, cmd.opts())));
  sub("pause")
    .description("Mark the provided resource as paused")
    .action(app.action((ctx, cmd: Command) => runRolloutPause(ctx, cmd.args, true, cmd.opts())));
  sub("resume")
    .description("Resume a paused resource")
    .action(app.action((ctx, cmd: Command) => runRolloutPause(ctx, cmd.args, false, cmd.opts())));
}

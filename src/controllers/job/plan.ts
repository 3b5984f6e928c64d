/**
 * One Job sync as a pure function (kubernetes `pkg/controller/job/job_controller.go`
 * syncJob): from the Job (with its pods already counted into status) and its current pods,
 * which pods to create or delete, the new status and conditions, the events to record and
 * when to look again (active deadline, failure back-off).
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import type { Job, JobCondition, JobSpec, JobStatus, Pod } from "../../model/kinds.ts";
import { isPodReady } from "../framework/pod-util.ts";
import { formatIndexes, parseIndexes } from "./indexes.ts";
import { completionIndexOf, finishedAt, isActiveJobPod, isTerminatingJobPod, podOutcome } from "./pod-outcome.ts";
import { nowTimestamp } from "../../model/object.ts";

export interface JobBackoff {
  baseMs: number;
  maxMs: number;
}

export interface JobEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface JobPlan {
  /** Pods to create: a count (NonIndexed) or the completion indexes (Indexed). */
  create: number | number[];
  remove: Pod[];
  /** Status without the pod counts the controller fills after acting (active, ready, terminating). */
  status: JobStatus;
  events: JobEvent[];
  requeueMs?: number;
}

type Finish = { success: boolean; reason: string; message: string };

const SUCCESS: Finish = { success: true, reason: "CompletionsReached", message: "Reached expected number of succeeded pods" };
const BACKOFF: Finish = { success: false, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
const DEADLINE: Finish = { success: false, reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };

function iso(ms: number): string {
  return nowTimestamp(new Date(ms));
}

function conditionOf<C extends { type: string }>(status: { conditions?: C[] }, type: string): C | undefined {
  return (status.conditions ?? []).find((c) => c.type === type);
}

export function isConditionTrue(obj: { status?: { conditions?: { type: string; status: string }[] } }, type: string): boolean {
  return conditionOf(obj.status ?? {}, type)?.status === "True";
}

/** Complete or Failed: nothing changes a finished Job any more. */
export function jobFinishedAt(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  if (!c) return undefined;
  const t = Date.parse(job.status?.completionTime ?? c.lastTransitionTime ?? "");
  return Number.isFinite(t) ? t : 0;
}

/** Whether pods the Job deletes now are let go rather than failed (suspended or outcome decided). */
export function jobLetsPodsGo(job: Job): boolean {
  return !!job.spec?.suspend || isConditionTrue(job, "FailureTarget") || isConditionTrue(job, "SuccessCriteriaMet") || jobFinishedAt(job) !== undefined;
}

function setCondition(status: JobStatus, type: string, value: "True" | "False", reason: string, message: string, now: number): void {
  const conds = (status.conditions ??= []);
  const prev = conds.find((c) => c.type === type);
  if (prev && prev.status === value && prev.reason === reason) return;
  const next: JobCondition = { type, status: value, lastProbeTime: iso(now), lastTransitionTime: prev?.status === value ? prev.lastTransitionTime : iso(now), reason, message };
  if (prev) conds[conds.indexOf(prev)] = next;
  else conds.push(next);
}

/** Failures since the last success, and when the latest one happened (for the back-off). */
function recentFailures(pods: Pod[]): { count: number; last: number | undefined } {
  const finished = pods
    .map((p) => ({ outcome: podOutcome(p, false), at: finishedAt(p) }))
    .filter((f) => (f.outcome === "Succeeded" || f.outcome === "Failed") && f.at !== undefined)
    .sort((a, b) => a.at! - b.at!);
  let count = 0;
  let last: number | undefined;
  for (const f of finished) {
    if (f.outcome === "Succeeded") count = 0;
    else {
      count++;
      last = f.at;
    }
  }
  return { count, last };
}

/** Pods to delete first when there are too many: not ready, then the newest. */
function byRemovalPreference(a: Pod, b: Pod): number {
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  return (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "");
}

export function planJob(job: Job, pods: Pod[], nowMs: number, backoff: JobBackoff): JobPlan {
  const spec: Partial<JobSpec> = job.spec ?? {};
  const status = cloneObject(job.status ?? {});
  const events: JobEvent[] = [];
  const plan: JobPlan = { create: 0, remove: [], status, events };
  const active = pods.filter(isActiveJobPod);
  const terminating = pods.filter(isTerminatingJobPod);
  if (jobFinishedAt(job) !== undefined) return plan;

  const indexed = spec.completionMode === "Indexed";
  const completions: number | undefined = spec.completions ?? undefined;
  const parallelism: number = spec.parallelism ?? 1;
  const succeeded: number = status.succeeded ?? 0;
  const failed: number = status.failed ?? 0;
  const completed = indexed ? parseIndexes(status.completedIndexes, completions ?? 0) : new Set<number>();

  // Suspension first: it stops everything and pauses the deadline.
  if (spec.suspend) {
    plan.remove = active;
    if (!isConditionTrue(job, "Suspended")) {
      setCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", nowMs);
      events.push({ type: "Normal", reason: "Suspended", message: "Job suspended" });
    }
    return plan;
  }
  if (isConditionTrue(job, "Suspended")) {
    setCondition(status, "Suspended", "False", "JobResumed", "Job resumed", nowMs);
    events.push({ type: "Normal", reason: "Resumed", message: "Job resumed" });
    status.startTime = iso(nowMs);
  }
  status.startTime ??= iso(nowMs);

  let finish: Finish | undefined;
  if (isConditionTrue(job, "SuccessCriteriaMet")) finish = SUCCESS;
  else if (isConditionTrue(job, "FailureTarget")) {
    // The clone of the status the condition was just found in.
    const c = conditionOf(status, "FailureTarget")!;
    finish = { success: false, reason: c.reason!, message: c.message! };
  } else {
    const restarts = spec.template?.spec?.restartPolicy === "OnFailure"
      ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, cs) => m + (cs.restartCount ?? 0), 0), 0)
      : 0;
    const done = indexed ? completed.size >= (completions ?? 0) : completions != null ? succeeded >= completions : succeeded > 0 && active.length === 0;
    const deadline = spec.activeDeadlineSeconds != null ? Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 : undefined;
    if (done) finish = SUCCESS;
    else if (failed + restarts > (spec.backoffLimit ?? 6)) finish = BACKOFF;
    else if (deadline !== undefined && nowMs >= deadline) finish = DEADLINE;
    else if (deadline !== undefined) plan.requeueMs = deadline - nowMs;
    if (finish) {
      setCondition(status, finish.success ? "SuccessCriteriaMet" : "FailureTarget", "True", finish.reason, finish.message, nowMs);
    }
  }

  if (finish) {
    plan.remove = active;
    // The final condition waits until no pod of the Job is still running or terminating.
    if (active.length === 0 && terminating.length === 0) {
      setCondition(status, finish.success ? "Complete" : "Failed", "True", finish.reason, finish.message, nowMs);
      if (finish.success) {
        status.completionTime = iso(nowMs);
        events.push({ type: "Normal", reason: "Completed", message: "Job completed" });
      } else {
        events.push({ type: "Warning", reason: finish.reason, message: finish.message });
      }
    }
    return plan;
  }

  // Running: converge on the wanted number of pods.
  const running = active.length + (spec.podReplacementPolicy === "Failed" ? terminating.length : 0);
  if (indexed) {
    const n = completions ?? 0;
    const seen = new Set<number>();
    const extra: KubeObject[] = [];
    for (const p of [...active].sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))) {
      const i = completionIndexOf(p);
      if (i === undefined || i >= n || completed.has(i) || seen.has(i)) extra.push(p);
      else seen.add(i);
    }
    const kept = active.filter((p) => !extra.includes(p)).sort((a, b) => (completionIndexOf(b) ?? 0) - (completionIndexOf(a) ?? 0));
    const over = Math.max(0, kept.length - parallelism);
    plan.remove = [...extra, ...kept.slice(0, over)];
    if (spec.podReplacementPolicy === "Failed") for (const p of terminating) seen.add(completionIndexOf(p) ?? -1);
    const room = parallelism - (running - plan.remove.length);
    const missing: number[] = [];
    for (let i = 0; i < n && missing.length < room; i++) if (!completed.has(i) && !seen.has(i)) missing.push(i);
    plan.create = missing;
  } else {
    // Without completions (a work queue), the first success means no new pods.
    const want = completions == null ? (succeeded > 0 ? running : parallelism) : Math.min(parallelism, completions - succeeded);
    if (running > want) plan.remove = [...active].sort(byRemovalPreference).slice(0, running - want);
    else plan.create = want - running;
  }

  const wantsPods = Array.isArray(plan.create) ? plan.create.length > 0 : plan.create > 0;
  if (wantsPods) {
    const { count, last } = recentFailures(pods);
    if (count > 0 && last !== undefined) {
      const delay = Math.min(backoff.baseMs * 2 ** (count - 1), backoff.maxMs);
      const wait = last + delay - nowMs;
      if (wait > 0) {
        plan.create = Array.isArray(plan.create) ? [] : 0;
        plan.requeueMs = Math.min(plan.requeueMs ?? Infinity, wait);
      }
    }
  }
  return plan;
}

/** Folds newly counted pods into status (what `uncountedTerminatedPods` held). */
export function countInto(status: JobStatus, indexed: boolean, completions: number, counted: { outcome: "Succeeded" | "Failed"; index?: number }[]): void {
  const completed = parseIndexes(status.completedIndexes, completions);
  for (const c of counted) {
    if (c.outcome === "Failed") status.failed = (status.failed ?? 0) + 1;
    else if (!indexed) status.succeeded = (status.succeeded ?? 0) + 1;
    else if (c.index !== undefined && c.index < completions) completed.add(c.index);
  }
  if (indexed) {
    status.completedIndexes = formatIndexes(completed);
    status.succeeded = completed.size;
  }
}

/**
 * The CronJob decisions as pure functions (kubernetes `pkg/controller/cronjob`): which
 * scheduled time is due, which Jobs are still active, and which finished Jobs fall out of
 * the history limits.
 */
import { cloneObject } from "../../model/clone.ts";
import type { CronJob, Job, JobSpec, ObjectReference } from "../../model/kinds.ts";
import { nextAfter, type Schedule } from "../../model/cron-schedule.ts";
import { jobFinishedAt } from "../job/plan.ts";
import { nowTimestamp } from "../../model/object.ts";

export const SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** Past this many missed start times the controller says so (and still runs the latest). */
export const MISSED_WARNING = 100;
/** A bound on the search for the latest missed time (a year of minutes, twice over). */
const MAX_STEPS = 1_100_000;

/** `<cronjob>-<scheduled unix minutes>`: a retry of the same run cannot make a second Job. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/** The latest activation in (earliestMs, nowMs], how many there were, and the next one after now. */
export function dueTime(s: Schedule, earliestMs: number, nowMs: number, timeZone?: string): { due?: number; missed: number; next?: number } {
  let due: number | undefined;
  let missed = 0;
  if (s.kind === "every") {
    const first = nextAfter(s, earliestMs)!;
    if (first <= nowMs) {
      missed = Math.floor((nowMs - first) / s.ms) + 1;
      due = first + (missed - 1) * s.ms;
    }
    return { due, missed, next: nextAfter(s, due ?? earliestMs, timeZone) };
  }
  let t = nextAfter(s, earliestMs, timeZone);
  for (let steps = 0; t !== undefined && t <= nowMs && steps < MAX_STEPS; steps++) {
    due = t;
    missed++;
    t = nextAfter(s, t, timeZone);
  }
  return { due, missed, next: t };
}

export function isJobSucceeded(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === "Complete" && c.status === "True");
}

function startOf(job: Job): string {
  return job.status?.startTime ?? job.metadata.creationTimestamp ?? "";
}

/** Finished Jobs beyond the history limits, oldest first. */
export function jobsPastHistory(jobs: Job[], successfulLimit: number, failedLimit: number): Job[] {
  const finished = jobs.filter((j) => jobFinishedAt(j) !== undefined && !j.metadata.deletionTimestamp).sort((a, b) => startOf(a).localeCompare(startOf(b)));
  const ok = finished.filter(isJobSucceeded);
  const failed = finished.filter((j) => !isJobSucceeded(j));
  return [...ok.slice(0, Math.max(0, ok.length - successfulLimit)), ...failed.slice(0, Math.max(0, failed.length - failedLimit))];
}

export interface ActiveSync {
  /** The new status.active (ObjectReferences), undefined when empty. */
  active: ObjectReference[] | undefined;
  /** Listed Jobs that finished since the last look. */
  completed: Job[];
  lastSuccessfulTime: string | null | undefined;
}

/**
 * status.active from the Jobs this CronJob scheduled: finished and vanished ones drop out, a
 * scheduled one the list forgot (a crash after create) comes back. Jobs made by hand
 * (`kubectl create job --from=cronjob/…`) have no scheduled timestamp and are not tracked.
 */
export function syncActive(cj: CronJob, jobs: Job[]): ActiveSync {
  const byUid = new Map(jobs.map((j) => [j.metadata.uid!, j]));
  const listed = cj.status?.active ?? [];
  const active: ObjectReference[] = [];
  const completed: Job[] = [];
  let lastSuccessful = cj.status?.lastSuccessfulTime;
  for (const ref of listed) {
    const j = byUid.get(ref.uid!);
    if (!j) continue;
    if (jobFinishedAt(j) !== undefined) {
      completed.push(j);
      const done = j.status?.completionTime;
      if (isJobSucceeded(j) && done && (!lastSuccessful || done > lastSuccessful)) lastSuccessful = done;
    } else active.push(ref);
  }
  const known = new Set(listed.map((r) => r.uid));
  for (const j of jobs) {
    if (known.has(j.metadata.uid) || jobFinishedAt(j) !== undefined || j.metadata.deletionTimestamp) continue;
    if (j.metadata.annotations?.[SCHEDULED_TIMESTAMP]) active.push(jobRef(j));
  }
  return { active: active.length ? active : undefined, completed, lastSuccessfulTime: lastSuccessful };
}

export function jobRef(j: Job): ObjectReference {
  return { apiVersion: "batch/v1", kind: "Job", name: j.metadata.name, namespace: j.metadata.namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion };
}

/** The Job a CronJob makes for one scheduled time. */
export function jobFromTemplate(cj: CronJob, scheduledMs: number): Job {
  const tmpl = cj.spec?.jobTemplate ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobNameFor(cj.metadata.name!, scheduledMs),
      namespace: cj.metadata.namespace,
      labels: { ...(tmpl.metadata?.labels ?? {}) },
      annotations: { ...(tmpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: nowTimestamp(new Date(scheduledMs)) },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cj.metadata.name!, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    // A template without a spec makes a Job the API refuses.
    spec: cloneObject(tmpl.spec ?? ({} as JobSpec)),
  };
}

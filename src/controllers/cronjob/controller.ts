/**
 * The CronJob controller: at each scheduled time, a Job from the template — unless the
 * CronJob is suspended, the time is past startingDeadlineSeconds, or concurrencyPolicy says
 * otherwise (Forbid skips while one runs, Replace deletes the running ones) — then keeps
 * status.active, lastScheduleTime and lastSuccessfulTime, and prunes finished Jobs beyond
 * the history limits. It wakes itself for the next scheduled time.
 */
import { cloneObject } from "../../model/clone.ts";
import { assertReadable } from "../framework/readable.ts";
import type { CronJob, CronJobSpec, CronJobStatus, Job, ObjectReference } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import { parseSchedule, ScheduleError, type Schedule } from "../../model/cron-schedule.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { controllerOf } from "../framework/pod-util.ts";
import { dueTime, jobFromTemplate, jobNameFor, jobRef, jobsPastHistory, MISSED_WARNING, syncActive } from "./plan.ts";
import { nowTimestamp } from "../../model/object.ts";

const COMPONENT = "cronjob-controller";

function iso(ms: number): string {
  return nowTimestamp(new Date(ms));
}

export class CronJobController implements Controller {
  readonly name = "cronjob";
  readonly workers = 2;
  private ctx!: ControllerContext;
  private cronJobs!: SharedInformer<CronJob>;
  private jobs!: SharedInformer<Job>;
  private readonly schedules = new Map<string, Schedule | ScheduleError>();

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.cronJobs = ctx.informer("batch", "cronjobs");
    this.jobs = ctx.informer("batch", "jobs");
    this.cronJobs.addHandler({ onChange: (cj) => queue.add(keyOf(cj)), onDelete: (cj) => queue.add(keyOf(cj)) });
    const jobChanged = (job: Job) => {
      const ref = controllerOf(job);
      if (ref?.kind === "CronJob") queue.add(`${job.metadata.namespace}/${ref.name}`);
    };
    this.jobs.addHandler({ onChange: jobChanged, onDelete: jobChanged });
    await Promise.all([this.cronJobs.start(ctx.signal), this.jobs.start(ctx.signal)]);
  }

  private scheduleOf(text: string): Schedule | ScheduleError {
    let s = this.schedules.get(text);
    if (!s) {
      try {
        s = parseSchedule(text);
      } catch (e) {
        if (!(e instanceof ScheduleError)) throw e;
        s = e;
      }
      if (this.schedules.size > 1000) this.schedules.clear();
      this.schedules.set(text, s);
    }
    return s;
  }

  async reconcile(key: string): Promise<number | void> {
    const cj = this.cronJobs.get(key);
    if (!cj || cj.metadata.deletionTimestamp) return;
    assertReadable(cj);
    const spec: Partial<CronJobSpec> = cj.spec ?? {};
    const jobs = this.jobs.ownedBy(cj.metadata.uid!).filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    const sync = syncActive(cj, jobs);
    for (const j of sync.completed) {
      const cond = (j.status?.conditions ?? []).find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
      this.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${j.metadata.name}, condition: ${cond?.type}`);
    }
    for (const j of jobsPastHistory(jobs, spec.successfulJobsHistoryLimit ?? 3, spec.failedJobsHistoryLimit ?? 1)) await this.deleteJob(cj, j);

    const status: CronJobStatus = { ...cloneObject(cj.status ?? {}), active: sync.active, lastSuccessfulTime: sync.lastSuccessfulTime };
    let requeue: number | undefined;
    const schedule = this.scheduleOf(spec.schedule ?? "");
    if (schedule instanceof ScheduleError) {
      this.event(cj, "Warning", "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${schedule.message}`);
    } else if (!spec.suspend) {
      requeue = await this.schedule(cj, schedule, status);
    }
    for (const k of ["active", "lastSuccessfulTime", "lastScheduleTime"] as const) if (status[k] === undefined) delete status[k];
    await this.writeStatus(cj, status);
    return requeue;
  }

  /** Starts the due run if there is one; returns ms until the next scheduled time. */
  private async schedule(cj: CronJob, schedule: Schedule, status: CronJobStatus): Promise<number | undefined> {
    // Only a CronJob whose spec parsed into a schedule gets here.
    const spec = cj.spec!;
    const clock = this.ctx.settings.scheduleClock ?? { now: this.ctx.now, speed: 1 };
    const now = clock.now().getTime();
    const deadlineMs = spec.startingDeadlineSeconds != null ? spec.startingDeadlineSeconds * 1000 : undefined;
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? "") || now;
    if (deadlineMs !== undefined) earliest = Math.max(earliest, now - deadlineMs);
    const { due, missed, next } = dueTime(schedule, earliest, now, spec.timeZone);
    // A little past the activation, so the clock has surely reached it.
    const wake = next !== undefined ? Math.max(0, next - now) / clock.speed + 100 : undefined;
    if (due === undefined) return wake;
    if (missed > MISSED_WARNING) {
      this.event(cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    }
    if (deadlineMs !== undefined && due + deadlineMs < now) {
      this.event(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${iso(due)}`);
      return wake;
    }
    const name = jobNameFor(cj.metadata.name!, due);
    if (this.jobs.get(`${cj.metadata.namespace}/${name}`)) {
      status.lastScheduleTime = iso(due);
      return wake;
    }
    const active: ObjectReference[] = status.active ?? [];
    if (spec.concurrencyPolicy === "Forbid" && active.length) {
      this.event(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return wake;
    }
    if (spec.concurrencyPolicy === "Replace") {
      for (const ref of active) {
        const j = this.jobs.get(`${ref.namespace}/${ref.name}`);
        if (j && j.metadata.uid === ref.uid) await this.deleteJob(cj, j);
      }
      status.active = undefined;
    }
    try {
      const job = await this.ctx.storage.create(this.jobs.def, cj.metadata.namespace, jobFromTemplate(cj, due));
      this.event(cj, "Normal", "SuccessfulCreate", `Created job ${job.metadata.name}`);
      status.active = [...(status.active ?? []), jobRef(job)];
    } catch (e) {
      // Created before a crash or by a previous try: the run happened.
      if (!isStatusError(e, "AlreadyExists")) {
        this.event(cj, "Warning", "FailedCreate", `Error creating job: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
    }
    status.lastScheduleTime = iso(due);
    return wake;
  }

  private async deleteJob(cj: CronJob, job: Job): Promise<void> {
    try {
      await this.ctx.storage.delete(this.jobs.def, job.metadata.namespace, job.metadata.name!, { propagationPolicy: "Background", preconditions: { uid: job.metadata.uid } });
      this.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata.name}`);
    } catch (e) {
      if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
    }
  }

  private event(cj: CronJob, type: "Normal" | "Warning", reason: string, message: string): void {
    void this.ctx.events.record(cj, type, reason, message, COMPONENT);
  }

  private async writeStatus(cj: CronJob, status: CronJobStatus): Promise<void> {
    if (Bun.deepEquals(cj.status ?? {}, status)) return;
    try {
      await this.ctx.storage.update(this.cronJobs.def, cj.metadata.namespace, cj.metadata.name!, (cur) => {
        if (cur.metadata.uid !== cj.metadata.uid) return cur;
        cur.status = status;
        return cur;
      }, { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

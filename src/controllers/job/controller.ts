/**
 * The Job controller: runs pods to completion — `completions` successes with at most
 * `parallelism` at a time (or one per index in Indexed mode), recreating failed ones after an
 * exponential back-off until `backoffLimit`, stopping at `activeDeadlineSeconds` or on
 * `suspend`. Finished pods are counted through `status.uncountedTerminatedPods` before their
 * tracking finalizer is removed, so a crash between the two steps neither loses nor
 * double-counts a pod.
 */
import { assertReadable } from "../framework/readable.ts";
import type { Job, JobStatus, Pod } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { controllerOf, isPodReady, podFromTemplate } from "../framework/pod-util.ts";
import { slowStartBatches } from "../replicaset/plan.ts";
import { countInto, jobLetsPodsGo, planJob } from "./plan.ts";
import {
  COMPLETION_INDEX, TRACKING_FINALIZER, completionIndexOf, hasTrackingFinalizer, isActiveJobPod, isTerminatingJobPod, podOutcome,
} from "./pod-outcome.ts";

const COMPONENT = "job-controller";
const BURST = 500;
/** Queue keys for pods whose Job is gone: their tracking finalizer must still come off. */
const ORPHAN = "pod:";

export class JobController implements Controller {
  readonly name = "job";
  readonly workers = 4;
  private ctx!: ControllerContext;
  private jobs!: SharedInformer<Job>;
  private pods!: SharedInformer<Pod>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.jobs = ctx.informer("batch", "jobs");
    this.pods = ctx.informer("", "pods");
    this.jobs.addHandler({
      onChange: (job) => queue.add(keyOf(job)),
      onDelete: (job) => {
        for (const p of this.pods.ownedBy(job.metadata.uid!)) if (hasTrackingFinalizer(p)) queue.add(ORPHAN + keyOf(p));
      },
    });
    const podChanged = (pod: Pod) => {
      const ref = controllerOf(pod);
      if (ref?.kind !== "Job") return;
      const job = this.jobs.get(`${pod.metadata.namespace}/${ref.name}`);
      if (job && job.metadata.uid === ref.uid) queue.add(keyOf(job));
      else if (hasTrackingFinalizer(pod)) queue.add(ORPHAN + keyOf(pod));
    };
    this.pods.addHandler({ onChange: podChanged, onDelete: podChanged });
    await Promise.all([this.jobs.start(ctx.signal), this.pods.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<number | void> {
    if (key.startsWith(ORPHAN)) return this.releaseOrphan(key.slice(ORPHAN.length));
    let job = this.jobs.get(key);
    if (!job) return;
    assertReadable(job);
    const owned = () => this.pods.ownedBy(job!.metadata.uid!).filter((p) => controllerOf(p)?.uid === job!.metadata.uid);
    // One snapshot for counting and planning: a pod that finishes in between must not be
    // seen as neither running nor counted (that would start an extra pod).
    const snapshot = owned();
    job = await this.trackFinishedPods(job, snapshot);
    if (!job || job.metadata.deletionTimestamp) return;

    const now = this.ctx.now().getTime();
    const { jobBackoffBaseMs: baseMs, jobBackoffMaxMs: maxMs } = this.ctx.settings;
    const plan = planJob(job, snapshot, now, { baseMs, maxMs });
    let failure: string | undefined;
    await this.deletePods(job, plan.remove);
    if (Array.isArray(plan.create) ? plan.create.length : plan.create) failure = await this.createPods(job, plan.create);
    for (const e of plan.events) void this.ctx.events.record(job, e.type, e.reason, e.message, COMPONENT);

    const pods = owned();
    const active = pods.filter(isActiveJobPod);
    plan.status.active = active.length || undefined;
    if (!plan.status.active) delete plan.status.active;
    plan.status.ready = active.filter(isPodReady).length;
    plan.status.terminating = pods.filter(isTerminatingJobPod).length;
    plan.status.uncountedTerminatedPods ??= {};
    await this.writeStatus(job, plan.status);
    if (failure) throw new Error(`creating pods for Job ${key}: ${failure}`);
    return plan.requeueMs;
  }

  /**
   * Counts finished pods: records their uids as uncounted, removes their finalizers, then moves
   * them into succeeded/failed (and completedIndexes). Returns the Job as stored afterwards.
   */
  private async trackFinishedPods(job: Job, pods: Pod[]): Promise<Job | undefined> {
    const letGo = jobLetsPodsGo(job);
    const uncounted = job.status?.uncountedTerminatedPods ?? {};
    const known = new Map<string, "Succeeded" | "Failed">();
    for (const uid of uncounted.succeeded ?? []) known.set(uid, "Succeeded");
    for (const uid of uncounted.failed ?? []) known.set(uid, "Failed");
    const fresh = new Map<string, "Succeeded" | "Failed">();
    const release: Pod[] = [];
    for (const p of pods) {
      if (!hasTrackingFinalizer(p)) continue;
      const outcome = podOutcome(p, letGo);
      if (!outcome) continue;
      release.push(p);
      if (outcome !== "Ignored" && !known.has(p.metadata.uid!)) fresh.set(p.metadata.uid!, outcome);
    }
    if (!known.size && !fresh.size && !release.length) return job;

    // 1. Remember the pods about to be counted before their finalizers go.
    if (fresh.size) {
      const stored = await this.updateStatus(job, (s) => {
        const u = (s.uncountedTerminatedPods ??= {});
        for (const [uid, outcome] of fresh) {
          const list: string[] = (u[outcome === "Succeeded" ? "succeeded" : "failed"] ??= []);
          if (!list.includes(uid)) list.push(uid);
        }
      });
      if (!stored) return undefined;
      job = stored;
      for (const [uid, o] of fresh) known.set(uid, o);
    }
    // 2. Let the pods go.
    const indexOf = new Map<string, number | undefined>();
    for (const p of pods) indexOf.set(p.metadata.uid!, completionIndexOf(p));
    await Promise.all(release.map((p) => this.removeFinalizer(p)));
    // 3. Count every uncounted pod whose finalizer is off (or that is gone).
    const stillHeld = new Set(this.pods.ownedBy(job.metadata.uid!).filter(hasTrackingFinalizer).map((p) => p.metadata.uid!));
    const counted = [...known].filter(([uid]) => !stillHeld.has(uid));
    if (!counted.length) return job;
    const indexed = job.spec?.completionMode === "Indexed";
    const completions = job.spec?.completions ?? 0;
    return this.updateStatus(job, (s) => {
      const u = (s.uncountedTerminatedPods ??= {});
      const done = new Set(counted.map(([uid]) => uid));
      const listed = new Set([...(u.succeeded ?? []), ...(u.failed ?? [])]);
      countInto(s, indexed, completions, counted.filter(([uid]) => listed.has(uid)).map(([uid, outcome]) => ({ outcome, index: indexOf.get(uid) })));
      for (const k of ["succeeded", "failed"] as const) {
        if (!u[k]) continue;
        u[k] = u[k].filter((uid) => !done.has(uid));
        if (!u[k].length) delete u[k];
      }
    });
  }

  private async releaseOrphan(podKey: string): Promise<void> {
    const pod = this.pods.get(podKey);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerOf(pod);
    const job = ref && this.jobs.get(`${pod.metadata.namespace}/${ref.name}`);
    if (job && job.metadata.uid === ref!.uid && !job.metadata.deletionTimestamp) return;
    await this.removeFinalizer(pod);
  }

  private async removeFinalizer(pod: Pod): Promise<void> {
    const { namespace, name } = splitKey(keyOf(pod));
    try {
      await this.ctx.storage.update(this.pods.def, namespace, name, (cur) => {
        if (cur.metadata.uid !== pod.metadata.uid) return cur;
        const rest = (cur.metadata.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER);
        if (rest.length) cur.metadata.finalizers = rest;
        else delete cur.metadata.finalizers;
        return cur;
      });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }

  private async createPods(job: Job, what: number | number[]): Promise<string | undefined> {
    const indexes = Array.isArray(what) ? what : undefined;
    const count = Math.min(indexes ? indexes.length : (what as number), BURST);
    let next = 0;
    for (const batch of slowStartBatches(count)) {
      const results = await Promise.allSettled(Array.from({ length: batch }, () =>
        this.ctx.storage.create(this.pods.def, job.metadata.namespace, this.podFor(job, indexes?.[next++]))));
      let failed: string | undefined;
      for (const r of results) {
        if (r.status === "fulfilled") void this.ctx.events.record(job, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`, COMPONENT);
        else failed ??= r.reason instanceof Error ? r.reason.message : String(r.reason);
      }
      if (failed) {
        await this.ctx.events.record(job, "Warning", "FailedCreate", `Error creating: ${failed}`, COMPONENT);
        return failed;
      }
    }
    return undefined;
  }

  private podFor(job: Job, index: number | undefined): Pod {
    const pod = podFromTemplate(job.spec?.template, job);
    pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), TRACKING_FINALIZER];
    if (index === undefined) return pod;
    const name = job.metadata.name!;
    pod.metadata.generateName = `${name}-${index}-`;
    pod.metadata.annotations = { ...pod.metadata.annotations, [COMPLETION_INDEX]: String(index) };
    pod.metadata.labels = { ...pod.metadata.labels, [COMPLETION_INDEX]: String(index) };
    // Pods of an Indexed Job are addressable as <job>-<index> through a headless service.
    pod.spec.hostname ??= `${name}-${index}`.slice(0, 63).replace(/-+$/, "");
    const env = { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
    for (const list of [pod.spec.containers, pod.spec.initContainers]) {
      for (const c of list ?? []) if (!(c.env ?? []).some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
    }
    return pod;
  }

  /** Pods the Job stops itself are released from tracking first: they are not failures. */
  private async deletePods(job: Job, victims: Pod[]): Promise<void> {
    await Promise.all(victims.map(async (p) => {
      try {
        await this.removeFinalizer(p);
        await this.ctx.storage.delete(this.pods.def, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
        void this.ctx.events.record(job, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, COMPONENT);
      } catch (e) {
        if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
      }
    }));
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<void> {
    if (Bun.deepEquals(job.status ?? {}, status)) return;
    await this.updateStatus(job, (s) => {
      for (const k of Object.keys(s) as (keyof JobStatus)[]) delete s[k];
      Object.assign(s, status);
    });
  }

  /** A status edit on the stored Job (same uid); undefined when the Job is gone. */
  private async updateStatus(job: Job, edit: (status: JobStatus) => void): Promise<Job | undefined> {
    try {
      const { object } = await this.ctx.storage.update(this.jobs.def, job.metadata.namespace, job.metadata.name!, (cur) => {
        if (cur.metadata.uid !== job.metadata.uid) return cur;
        cur.status ??= {};
        edit(cur.status);
        return cur;
      }, { subresource: "status" });
      return object.metadata.uid === job.metadata.uid ? object : undefined;
    } catch (e) {
      if (isStatusError(e, "NotFound")) return undefined;
      throw e;
    }
  }
}

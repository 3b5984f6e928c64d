/**
 * The TTL-after-finished controller: deletes a finished Job (and, in the foreground, its pods)
 * `spec.ttlSecondsAfterFinished` seconds after it completed or failed.
 */
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import type { Job } from "../../model/kinds.ts";
import { jobFinishedAt } from "../job/plan.ts";

export class TtlAfterFinishedController implements Controller {
  readonly name = "ttl-after-finished";
  private ctx!: ControllerContext;
  private jobs!: SharedInformer<Job>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.jobs = ctx.informer("batch", "jobs");
    this.jobs.addHandler({
      onChange: (job) => {
        if (job.spec?.ttlSecondsAfterFinished != null && jobFinishedAt(job) !== undefined && !job.metadata.deletionTimestamp) queue.add(keyOf(job));
      },
    });
    await this.jobs.start(ctx.signal);
  }

  async reconcile(key: string): Promise<number | void> {
    const job = this.jobs.get(key);
    const ttl = job?.spec?.ttlSecondsAfterFinished;
    const finished = job && jobFinishedAt(job);
    if (!job || ttl == null || finished === undefined || job.metadata.deletionTimestamp) return;
    const left = finished + ttl * 1000 - this.ctx.now().getTime();
    if (left > 0) return left;
    const { namespace, name } = splitKey(key);
    try {
      // The uid precondition keeps a Job re-created under the same name safe.
      await this.ctx.storage.delete(this.jobs.def, namespace, name, { propagationPolicy: "Foreground", preconditions: { uid: job.metadata.uid } });
    } catch (e) {
      if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
    }
  }
}

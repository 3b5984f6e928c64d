/**
 * Event TTL: Events are reports, not state; the apiserver lets them expire an hour after
 * their last write (`--event-ttl`). This sweeper pages through Events every minute and
 * deletes the expired ones, so a busy cluster's store does not grow without bound.
 */
import { isStatusError } from "../../model/errors.ts";
import type { KubeObject } from "../../model/object.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";

const SWEEP = "sweep";
const PAGE = 500;

/** When an Event was last written. */
export function lastWritten(e: KubeObject): number {
  const t = Date.parse(e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.metadata.creationTimestamp ?? "");
  return Number.isFinite(t) ? t : 0;
}

export class EventTtlController implements Controller {
  readonly name = "event-ttl";
  private ctx!: ControllerContext;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    queue.add(SWEEP);
  }

  async reconcile(): Promise<number> {
    const def = this.ctx.def("", "events");
    const cutoff = this.ctx.now().getTime() - this.ctx.settings.eventTtlMs;
    let continueToken: string | undefined;
    do {
      const page = await this.ctx.storage.list(def, undefined, { limit: PAGE, continueToken });
      for (const e of page.items) {
        if (lastWritten(e) >= cutoff) continue;
        try {
          await this.ctx.storage.delete(def, e.metadata.namespace, e.metadata.name!, { preconditions: { resourceVersion: e.metadata.resourceVersion } });
        } catch (err) {
          // Rewritten meanwhile (a repeat) or already gone: it lives on or is done.
          if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
        }
      }
      continueToken = page.metadata.continue || undefined;
    } while (continueToken && !this.ctx.signal.aborted);
    return Math.min(60_000, this.ctx.settings.eventTtlMs);
  }
}

/**
 * The shape every controller has (kubernetes `pkg/controller/<name>`): informers feed a
 * rate-limited work queue of keys; `reconcile(key)` reads the cached desired and actual
 * state, writes the difference through ObjectStorage (the API's one write path) and is safe
 * to run twice. A thrown error retries the key with back-off; a returned number asks to look
 * again after that many milliseconds (deadlines, back-off expiry, periodic checks).
 */
import { WorkQueue } from "../../client/work-queue.ts";
import { isStatusError } from "../../model/errors.ts";
import { log } from "../../log.ts";
import type { ControllerContext } from "./context.ts";

/** What reconcile may return: nothing (done) or a delay in ms before the key is looked at again. */
export type Requeue = number | void | undefined;

export interface Controller {
  /** "deployment", "replicaset", … (used in logs, events and metrics). */
  readonly name: string;
  /** Wires informer handlers to `queue.add(key)`; awaits the informers' initial sync. */
  setup(ctx: ControllerContext, queue: WorkQueue): Promise<void>;
  reconcile(key: string): Promise<Requeue>;
  /** Parallel workers (different keys only; one key is never worked twice at once). Default 1. */
  workers?: number;
}

/** Runs a controller until ctx.signal aborts. Resolves when its workers have stopped. */
export async function runController(c: Controller, ctx: ControllerContext): Promise<void> {
  const queue = new WorkQueue({ signal: ctx.signal, baseDelayMs: 20, maxDelayMs: 60_000 });
  await c.setup(ctx, queue);
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const again = await c.reconcile(key);
        queue.forget(key);
        if (typeof again === "number") queue.addAfter(key, Math.max(0, again));
      } catch (e) {
        if (ctx.signal.aborted) return;
        // Conflicts are the normal cost of optimistic concurrency: retry quietly.
        if (!isStatusError(e, "Conflict")) log.warn(`${c.name} reconcile failed`, { key, error: errorText(e) });
        queue.requeueRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: c.workers ?? 1 }, worker));
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.cause ? `${e.message}: ${errorText(e.cause)}` : e.message;
  return String(e);
}

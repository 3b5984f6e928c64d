/**
 * Scheduled snapshots (`--snapshot-schedule-cron`, default every 12 hours; `--snapshot-retention`
 * kept), as K3s's etcd-snapshot schedule: at each activation save one, then prune that name's
 * older ones. The cron form is CronJob's (model/cron-schedule.ts), read in the server's zone.
 */
import { nextAfter, parseSchedule } from "../../model/cron-schedule.ts";

/** setTimeout's longest delay is 2^31-1 ms; a later activation is approached in steps. */
const MAX_DELAY_MS = 24 * 3600_000;

export interface SnapshotScheduleOptions {
  spec: string;
  /** Saves one snapshot and prunes; a thrown error is reported and the schedule goes on. */
  run: () => Promise<void> | void;
  onError?: (error: unknown) => void;
  signal?: AbortSignal;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

export function startSnapshotSchedule(o: SnapshotScheduleOptions): void {
  const schedule = parseSchedule(o.spec);
  const now = o.now ?? Date.now;
  const setTimer =
    o.setTimer ??
    ((fn, ms) => {
      const h = setTimeout(fn, ms);
      h.unref?.();
      return () => clearTimeout(h);
    });
  let cancel = () => {};
  o.signal?.addEventListener("abort", () => cancel(), { once: true });
  const arm = (from: number) => {
    if (o.signal?.aborted) return;
    const due = nextAfter(schedule, from);
    if (due === undefined) return; // a schedule that never fires ("0 0 30 2 *")
    const wait = due - now();
    if (wait > MAX_DELAY_MS) {
      cancel = setTimer(() => arm(from), MAX_DELAY_MS);
      return;
    }
    cancel = setTimer(async () => {
      try {
        await o.run();
      } catch (error) {
        o.onError?.(error);
      }
      arm(Math.max(due, now()));
    }, Math.max(0, wait));
  };
  arm(now());
}

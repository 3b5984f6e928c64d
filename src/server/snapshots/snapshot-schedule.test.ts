import { expect, test } from "bun:test";
import { startSnapshotSchedule } from "./snapshot-schedule.ts";

/** A clock and one-shot timers the test moves by hand. */
function clock(startMs: number) {
  let now = startMs;
  let timer: { at: number; fn: () => void } | undefined;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      timer = { at: now + ms, fn };
      return () => void (timer = undefined);
    },
    async advanceTo(ms: number) {
      while (timer && timer.at <= ms) {
        const t = timer;
        timer = undefined;
        now = t.at;
        t.fn();
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
      now = ms;
    },
  };
}

test("saves at each activation of the cron schedule, and goes on after a failure", async () => {
  const start = Date.parse("2026-03-01T00:30:00"); // local time: the schedule is read in the server's zone
  const c = clock(start);
  const runs: string[] = [];
  const errors: unknown[] = [];
  const ac = new AbortController();
  startSnapshotSchedule({
    spec: "0 */12 * * *",
    now: c.now,
    setTimer: c.setTimer,
    signal: ac.signal,
    onError: (e) => errors.push(e),
    run: () => {
      runs.push(new Date(c.now()).toTimeString().slice(0, 5));
      if (runs.length === 1) throw new Error("disk full");
    },
  });
  await c.advanceTo(start + 11 * 3600_000);
  expect(runs).toEqual([]);
  await c.advanceTo(start + 36 * 3600_000);
  expect(runs).toEqual(["12:00", "00:00", "12:00"]);
  expect(errors.map((e) => (e as Error).message)).toEqual(["disk full"]);
  ac.abort();
  await c.advanceTo(start + 72 * 3600_000);
  expect(runs).toHaveLength(3);
});

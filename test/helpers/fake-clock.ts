/**
 * A clock that moves only when a test says so: `now()`, timers (`schedule`) and `sleep` all
 * read it, and `advance(ms)` fires what falls due in time order, letting the promises each
 * timer resolves settle before the next fires — so a loop that sleeps, wakes and sleeps again
 * runs its steps in order, as on a real clock, without the test waiting.
 */
export interface FakeClock {
  now(): Date;
  nowMs(): number;
  /** Runs fn once `ms` has passed on this clock; returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Moves time forward by ms, firing due timers in order. */
  advance(ms: number): Promise<void>;
  /** Timers not yet fired. */
  pending(): number;
}

export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let t = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const schedule = (fn: () => void, ms: number) => {
    const id = seq++;
    timers.set(id, { at: t + Math.max(0, ms), fn });
    return () => void timers.delete(id);
  };
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    now: () => new Date(t),
    nowMs: () => t,
    schedule,
    sleep(ms, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
          cancel();
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const cancel = schedule(done, ms);
        signal?.addEventListener("abort", done, { once: true });
      });
    },
    async advance(ms) {
      const end = t + ms;
      await settle();
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const e of timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
        if (!next) break;
        timers.delete(next[0]);
        t = next[1].at;
        next[1].fn();
        await settle();
      }
      t = end;
    },
    pending: () => timers.size,
  };
}

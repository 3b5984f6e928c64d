/**
 * Hands memory a process no longer uses back to the system, once a minute. JavaScriptCore keeps
 * what a burst made it grow by — optimized code for paths run once or twice, heap blocks and
 * allocator pages freed by the collection — while the live data stays small. A full collection
 * alone returns none of it; Bun.shrink() after it drops compiled code (recompiled from the
 * executable's bytecode when it runs again) and releases free allocator pages.
 * - The agent (30 real pods: ~1 MB of live heap over an idle node's 9 MB), bench/agent-rss.ts
 *   style, 30 fake pods: steady RSS 67 → 63 MiB, for ~20 ms of CPU a minute.
 * - An idle server: 85–86 → 78 MiB (anon 29 → 22), a round ~10 ms. A server holding 10,000
 *   Pods gains nothing from it (the collector has returned what it can; 400 MiB stay 400) and
 *   a full collection stops it for ~90–170 ms, so the server runs a round only while small.
 */

export interface MemoryTrimOptions {
  signal: AbortSignal;
  /** Default 60 s. */
  everyMs?: number;
  /** The first round, sooner: what start-up left is the most there is to give back. Default everyMs. */
  firstAfterMs?: number;
  /** A round runs only when this says so (the server: while its RSS is small). Default always. */
  when?: () => boolean;
  /** Seams for tests: the collection and the shrink. */
  collect?: () => void;
  shrink?: () => void;
}

export function startMemoryTrim(o: MemoryTrimOptions): void {
  const collect = o.collect ?? (() => Bun.gc(true));
  const shrink = o.shrink ?? (() => Bun.shrink());
  const everyMs = o.everyMs ?? 60_000;
  const round = () => {
    if (o.when && !o.when()) return;
    collect();
    shrink();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = (ms: number) => {
    timer = setTimeout(() => {
      round();
      next(everyMs);
    }, ms);
    // Never what keeps the process alive.
    timer.unref();
  };
  next(o.firstAfterMs ?? everyMs);
  o.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
}

/**
 * Hands memory the agent no longer uses back to the system, once a minute. JavaScriptCore keeps
 * what a burst of pods made it grow by — optimized code for paths run once or twice, heap blocks
 * and allocator pages freed by the collection — while the agent's live data stays small (30
 * real pods: ~1 MB of live heap over an idle node's 9 MB). A full collection alone returns none
 * of it; Bun.shrink() after it drops compiled code (recompiled from the executable's bytecode
 * when it runs again) and releases free allocator pages. bench/agent-rss.ts style, 30 fake
 * pods: steady RSS 67 → 63 MiB, for ~20 ms of CPU a minute.
 */

export interface MemoryTrimOptions {
  signal: AbortSignal;
  /** Default 60 s. */
  everyMs?: number;
  /** Seams for tests: the collection and the shrink. */
  collect?: () => void;
  shrink?: () => void;
}

export function startMemoryTrim(o: MemoryTrimOptions): void {
  const collect = o.collect ?? (() => Bun.gc(true));
  const shrink = o.shrink ?? (() => Bun.shrink());
  const timer = setInterval(() => {
    collect();
    shrink();
  }, o.everyMs ?? 60_000);
  // Never what keeps the process alive.
  timer.unref();
  o.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

/**
 * Bounded history, the way kube-apiserver keeps etcd's: every interval (its
 * `--etcd-compaction-interval`, 5 minutes by default) compact to the revision that was current
 * at the previous tick, so a watch or paginated list can resume from anything newer than one
 * to two intervals ago and gets 410 Gone ("too old resource version") for anything older.
 * After compacting, the store gets a chance to return freed pages to the file system.
 *
 * @example
 * const stop = startCompactor({ store, intervalMs: 300_000, signal });
 */
import type { Store } from "./types.ts";

export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60_000;

export interface CompactionReport {
  compactedTo: number;
  /** What the store's maintenance did (SQLite: incremental vacuum steps). */
  maintenance?: { steps: number; freedPages: number; longestStepMs: number };
}

export interface CompactorOptions {
  store: Pick<Store, "revision" | "compact"> & { maintain?(): Promise<CompactionReport["maintenance"]> };
  /** 0 turns compaction off (the count bound of the history still applies). */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Told after each round (metrics, logs); and of a failed round, which the next tick retries. */
  onCompact?: (report: CompactionReport) => void;
  onError?: (error: unknown) => void;
  /** Timers; tests hand in their own. */
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

/** Starts the periodic compaction; returns a function that stops it (also on signal abort). */
export function startCompactor(options: CompactorOptions): () => void {
  const intervalMs = options.intervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
  if (intervalMs <= 0 || options.signal?.aborted) return () => {};
  const set = options.setInterval ?? ((fn, ms) => setInterval(fn, ms));
  const clear = options.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>));
  let previous: number | undefined;
  let running = false;
  const tick = async () => {
    if (running) return; // a slow maintenance round is not stacked on
    running = true;
    try {
      const target = previous;
      previous = options.store.revision();
      if (target === undefined) return;
      await options.store.compact(target);
      const maintenance = await options.store.maintain?.();
      options.onCompact?.({ compactedTo: target, maintenance });
    } catch (error) {
      options.onError?.(error);
    } finally {
      running = false;
    }
  };
  const handle = set(() => void tick(), intervalMs);
  (handle as { unref?: () => void })?.unref?.();
  const stop = () => {
    clear(handle);
    options.signal?.removeEventListener("abort", stop);
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  return stop;
}

/**
 * Waits `ms`, or less when `signal` aborts. The abort listener goes away with the timer: loops
 * that sleep millions of times on one long-lived signal (lease renewals, informer back-off)
 * would otherwise pile up listeners until the signal fires.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Polls `fn` until it gives a truthy value, then returns it; throws `timed out waiting for
 * <what>` after `ms`. A hang guard for tests, not a threshold: pick `ms` far above the time the
 * thing takes.
 */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 20_000): Promise<T> {
  for (const deadline = Date.now() + ms; ; await Bun.sleep(25)) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

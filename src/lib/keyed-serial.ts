/**
 * Runs async work one at a time per key: the next call for a key starts when the one before
 * it has settled, whether it succeeded or not; different keys run side by side. A key whose
 * work is all done holds nothing.
 *
 * @example
 *   const perDir = new KeyedSerial();
 *   await perDir.run(dir, () => rewrite(dir));
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // A tail never rejects: a failure is its caller's, not the next one's.
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or under way. */
  get size(): number {
    return this.tails.size;
  }
}

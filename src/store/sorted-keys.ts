/**
 * The store's keys in order, for range scans by prefix without asking SQLite.
 *
 * A plain sorted array: lookups are binary searches, an insert or removal moves the tail
 * (memmove). Measured trade-off: for the tens of thousands of keys an edge control plane
 * holds that is a few microseconds, cheaper in memory and code than a B-tree.
 * Order is JavaScript string order (UTF-16 code units), the same as SQLite's BINARY
 * collation for the ASCII keys Kubernetes names allow.
 */
export class SortedKeys {
  private keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** Builds from keys in any order. */
  static from(keys: Iterable<string>): SortedKeys {
    const s = new SortedKeys();
    s.keys = [...keys].sort(compare);
    return s;
  }

  /** Index of the first key >= key. */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first key > key. */
  upperBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  at(index: number): string | undefined {
    return this.keys[index];
  }

  add(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  remove(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  /**
   * Half-open index range [start, end) of the keys that begin with prefix and come strictly
   * after `afterKey` (when given).
   */
  prefixRange(prefix: string, afterKey?: string): [start: number, end: number] {
    let start = this.lowerBound(prefix);
    if (afterKey !== undefined && afterKey >= prefix) start = Math.max(start, this.upperBound(afterKey));
    // Keys with a common prefix are contiguous, so "not past the block" is monotone.
    let lo = start;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]!.startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return [start, lo];
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

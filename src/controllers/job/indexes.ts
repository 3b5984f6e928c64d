/**
 * Completion indexes of an Indexed Job as the API writes them (`status.completedIndexes`):
 * sorted, with runs of consecutive numbers folded into ranges — "0-3,5,7-9".
 */

/** The indexes in a "0-3,5" string that are below `limit`; malformed parts are ignored. */
export function parseIndexes(text: string | undefined, limit: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? "").split(",")) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = Math.min(Number(m[2] ?? m[1]), limit - 1);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return out;
}

export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

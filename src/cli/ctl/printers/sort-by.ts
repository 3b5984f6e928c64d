/**
 * `get --sort-by=JSONPATH`, ordered as kubectl orders: numbers by value, strings in natural
 * order (`pod-2` before `pod-10`), objects without the field first. kubectl's comparison
 * calls a missing value less than anything, another missing one included, and sorts with Go's
 * sort.Sort — an insertion sort for the row counts a `get` prints — so missing rows come out
 * in reverse order; this sorts the same way to print the same lines.
 */
import { JsonPath, relaxedJsonPath } from "./jsonpath.ts";

/** The order of `items` by the field, as indexes; undefined when no item has the field. */
export function sortOrder(items: unknown[], field: string): number[] | undefined {
  const jp = new JsonPath(relaxedJsonPath(field), { allowMissingKeys: true });
  const values = items.map((item) => {
    const found = jp.values(item)[0] ?? [];
    return found.length ? { v: found[0] } : undefined;
  });
  if (values.every((v) => v === undefined)) return undefined;
  const less = (i: number, j: number) => {
    const a = values[i];
    const b = values[j];
    if (!a) return true;
    if (!b) return false;
    return isLess(a.v, b.v);
  };
  const order = items.map((_, i) => i);
  for (let i = 1; i < order.length; i++) {
    for (let j = i; j > 0 && less(order[j]!, order[j - 1]!); j--) [order[j], order[j - 1]] = [order[j - 1]!, order[j]!];
  }
  return order;
}

function isLess(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a < b;
  if (typeof a === "string" && typeof b === "string") return naturalLess(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return !a && b;
  return naturalLess(JSON.stringify(a) ?? "", JSON.stringify(b) ?? "");
}

const isDigit = (c: string) => c >= "0" && c <= "9";

/** Natural order: runs of digits compare as numbers (fewer leading zeros first on a tie), the rest byte by byte. */
export function naturalLess(s1: string, s2: string): boolean {
  let i1 = 0;
  let i2 = 0;
  while (i1 < s1.length && i2 < s2.length) {
    const c1 = s1[i1]!;
    const c2 = s2[i2]!;
    const d1 = isDigit(c1);
    const d2 = isDigit(c2);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (c1 !== c2) return c1 < c2;
      i1++;
      i2++;
      continue;
    }
    while (i1 < s1.length && s1[i1] === "0") i1++;
    while (i2 < s2.length && s2[i2] === "0") i2++;
    const n1 = i1;
    const n2 = i2;
    while (i1 < s1.length && isDigit(s1[i1]!)) i1++;
    while (i2 < s2.length && isDigit(s2[i2]!)) i2++;
    if (i1 - n1 !== i2 - n2) return i1 - n1 < i2 - n2;
    const r1 = s1.slice(n1, i1);
    const r2 = s2.slice(n2, i2);
    if (r1 !== r2) return r1 < r2;
    if (n1 !== n2) return n1 < n2;
  }
  // Equal so far and one has ended: the longer sorts last.
  return s1.length < s2.length;
}

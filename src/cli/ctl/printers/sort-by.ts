/**
 * `get --sort-by=JSONPATH`, ordered as kubectl orders: numbers by value, strings byte by byte
 * (kubectl 1.32 prints `pod-10` before `pod-2`, and `web-…-42rcc` before `web-…-7wrdw`),
 * objects without the field first. kubectl's comparison
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
  if (typeof a === "string" && typeof b === "string") return bytesLess(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return !a && b;
  return bytesLess(JSON.stringify(a) ?? "", JSON.stringify(b) ?? "");
}

/** Go's string order: byte by byte of the UTF-8. */
function bytesLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
}

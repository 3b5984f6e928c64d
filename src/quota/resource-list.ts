/**
 * Resource lists as quota sees them (`pods: 2`, `requests.cpu: 500m`): names mapped to exact
 * quantities, with the set operations of apiserver's `quota/v1` resources.go (Add, Mask,
 * LessThanOrEqual, RemoveZeros) and its error formatting (`pods=1,requests.cpu=500m`).
 */
import { Quantity } from "../model/quantity.ts";

export type ResourceList = Map<string, Quantity>;

/**
 * Parses `spec.hard`-like JSON. A value that is not a quantity is left out: the API should
 * have refused it, and quota must not fail every create in a namespace over one bad entry.
 */
export function parseResourceList(raw: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!raw || typeof raw !== "object") return out;
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== "string" && typeof v !== "number") continue;
    try {
      out.set(name, Quantity.parse(v));
    } catch {
      // skipped, see above
    }
  }
  return out;
}

export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [name, q] of b) out.set(name, out.get(name)?.add(q) ?? q);
  return out;
}

/** Only the entries whose names are in `names`. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const name of names) {
    const q = list.get(name);
    if (q) out.set(name, q);
  }
  return out;
}

export function removeZeros(list: ResourceList): ResourceList {
  return new Map([...list].filter(([, q]) => !q.isZero()));
}

/** Names in `a` whose amount is above the same name in `b` (names `b` lacks are not limited). */
export function exceeding(a: ResourceList, b: ResourceList): string[] {
  const out: string[] = [];
  for (const [name, q] of a) {
    const limit = b.get(name);
    if (limit && q.cmp(limit) > 0) out.push(name);
  }
  return out.sort();
}

/** `name=value` pairs sorted by name, joined by commas — apiserver's prettyPrint. */
export function formatList(list: ResourceList): string {
  return [...list.keys()].sort().map((name) => `${name}=${list.get(name)!.toString()}`).join(",");
}

export function listToJSON(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...list.keys()].sort()) out[name] = list.get(name)!.toString();
  return out;
}

export function listsEqual(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [name, q] of a) {
    const other = b.get(name);
    if (!other || other.cmp(q) !== 0) return false;
  }
  return true;
}

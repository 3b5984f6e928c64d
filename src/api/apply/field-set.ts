/**
 * Field sets of server-side apply: which fields of an object a manager owns. A path is a list
 * of segments in FieldsV1's spelling — `f:name` (a struct field or map key), `k:{"name":"web"}`
 * (an item of a list keyed by its fields), `v:"x"` (an item of a set) — and a set holds paths
 * as text. Membership follows structured-merge-diff's rules: scalars, atomic lists and maps,
 * map entries, list items and empty or null values are members; a struct field holding a
 * non-empty object is not (its fields are).
 */
import type { PatchSchema } from "../patch/patch-schema.ts";

export type Segment = string;
export type FieldSet = Set<string>;

export const SEP = "\u0001"; // JSON text never holds a raw control character, so no segment contains it
export const SEP_CODE = 1;

export const pathKey = (path: Segment[]): string => path.join(SEP);
export const pathOf = (key: string): Segment[] => (key === "" ? [] : key.split(SEP));

export const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export type ListKind = { kind: "atomic" } | { kind: "set" } | { kind: "map"; keys: string[] };

/**
 * How server-side apply treats a list: as declared (x-kubernetes-list-type), else as strategic
 * merge did for built-in kinds (a merge key makes it keyed, a merge strategy a set), else atomic —
 * which is every undeclared list of a custom resource.
 */
export function listKindOf(s: PatchSchema | undefined): ListKind {
  if (s?.listType === "map" && s.listMapKeys?.length) return { kind: "map", keys: s.listMapKeys };
  if (s?.listType === "set") return { kind: "set" };
  if (s?.listType === "atomic") return { kind: "atomic" };
  if (s?.patchMergeKey) return { kind: "map", keys: [s.patchMergeKey] };
  if (s?.patchStrategy?.split(",").includes("merge")) return { kind: "set" };
  return { kind: "atomic" };
}

/**
 * The key segment of a keyed list's item. A missing `protocol` key reads as "TCP", its default
 * wherever Kubernetes keys a list by it (ports), so an applied port without it names the
 * stored one.
 */
export function itemKey(item: unknown, keys: string[]): Segment {
  const out: Record<string, unknown> = {};
  for (const k of [...keys].sort()) {
    const v = isMap(item) ? item[k] : undefined;
    if (v !== undefined) out[k] = v;
    else if (k === "protocol") out[k] = "TCP";
  }
  return `k:${JSON.stringify(out)}`;
}

export const valueSegment = (v: unknown): Segment => `v:${JSON.stringify(v)}`;

/**
 * Every member path of `value` (under `path`) into `out`. `mapNodes`: a map (not a struct) is a
 * member itself too — what an Update records for a map it adds (`"f:labels": {".": {}, …}`).
 * Paths are built as text as the walk goes down (every write of every object walks it: arrays
 * of segments joined at each level cost most of a Pod update's field bookkeeping).
 */
export function collectFields(value: unknown, s: PatchSchema | undefined, path: Segment[], out: FieldSet, mapNodes = false): void {
  collectUnder(value, s, pathKey(path), path.length === 0, { out, mapNodes, added: 0 }, true);
}

/** Members with their values, and which of them have members below (innerPaths of the set). */
export interface ValuedFields {
  values: Map<string, unknown>;
  inner: Set<string>;
}

/**
 * The members of `value` (as collectFields with mapNodes) with each one's value as valueAt
 * would find it — or LOOK_UP under an item of a keyed list that valueAt may resolve to another
 * item (one lacking a key field, or a second item under the same key) — found in the same walk.
 */
export function collectValuedFields(value: unknown, s: PatchSchema | undefined): ValuedFields {
  const w: Walk = { values: new Map(), inner: new Set(), mapNodes: true, added: 0 };
  collectUnder(value, s, "", true, w, true);
  w.values!.delete("");
  return { values: w.values!, inner: w.inner! };
}

/** Marks a member whose value must be looked up with valueAt (see collectValuedFields). */
export const LOOK_UP: unique symbol = Symbol("look up");

interface Walk {
  out?: FieldSet;
  values?: Map<string, unknown>;
  inner?: Set<string>;
  mapNodes: boolean;
  /** Members added so far: a node has members below when this grew while it was walked. */
  added: number;
}

function member(w: Walk, key: string, value: unknown, exact: boolean): void {
  if (w.out) {
    const n = w.out.size;
    if (w.out.add(key).size > n) w.added++;
    return;
  }
  // The first of equal paths wins, as valueAt's find does.
  if (w.values!.has(key)) return;
  w.values!.set(key, exact ? value : LOOK_UP);
  w.added++;
}

/** Walks `value` at `key`; true when it added members below `key` (not `key` itself). */
function collectUnder(value: unknown, s: PatchSchema | undefined, key: string, root: boolean, w: Walk, exact: boolean): boolean {
  if (Array.isArray(value)) {
    const lk = listKindOf(s);
    if (lk.kind === "atomic") return void member(w, key, value, exact), false;
    const start = w.added;
    const itemSchema = lk.kind === "map" ? s?.items() : undefined;
    // A second item under the same segment: valueAt looks into the first, whatever it holds.
    const seen = w.values && new Set<string>();
    for (const item of value) {
      const seg = lk.kind === "map" ? itemKey(item, lk.keys) : valueSegment(item);
      const child = root ? seg : key + SEP + seg;
      const again = seen ? seen.size === seen.add(seg).size : false;
      const itemExact = exact && !again && (lk.kind !== "map" || fullyKeyed(item, lk.keys));
      member(w, child, item, itemExact);
      if (lk.kind === "map" && collectUnder(item, itemSchema, child, false, w, itemExact)) w.inner?.add(child);
    }
    return w.added > start;
  }
  if (!isMap(value) || s?.mapType === "atomic") return void member(w, key, value, exact), false;
  const start = w.added;
  const isStruct = s?.type === "object";
  const valueSchema = isStruct ? undefined : s?.items();
  for (const field in value) {
    const v = value[field];
    const childSchema = isStruct ? s!.field(field) : valueSchema;
    const child = root ? `f:${field}` : `${key}${SEP}f:${field}`;
    const below = collectUnder(v, childSchema, child, false, w, exact);
    const mapNode = w.mapNodes && isMap(v) && childSchema?.type !== "object";
    if (v === null || (isMap(v) && isEmpty(v)) || !isStruct || mapNode) {
      member(w, child, v, exact);
      if (below) w.inner?.add(child);
    }
  }
  return w.added > start;
}

/** An item that has every key field (protocol defaults): its segment names only it. */
function fullyKeyed(item: unknown, keys: string[]): boolean {
  if (!isMap(item)) return false;
  for (const k of keys) if (item[k] === undefined && k !== "protocol") return false;
  return true;
}

export function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}

/** Paths in `set` that are a strict prefix of another path in it (nodes with owned children). */
export function innerPaths(set: FieldSet): Set<string> {
  const inner = new Set<string>();
  for (const key of set) {
    for (let i = key.indexOf(SEP); i >= 0; i = key.indexOf(SEP, i + 1)) inner.add(key.slice(0, i));
  }
  return inner;
}

/** The value at `path` in `obj`, undefined when absent. */
export function valueAt(obj: unknown, path: Segment[]): unknown {
  let v: unknown = obj;
  for (const seg of path) {
    if (v === undefined) return undefined;
    v = step(v, seg);
  }
  return v;
}

function step(v: unknown, seg: Segment): unknown {
  const kind = seg.slice(0, 2);
  const rest = seg.slice(2);
  if (kind === "f:") return isMap(v) ? v[rest] : undefined;
  if (!Array.isArray(v)) return undefined;
  if (kind === "v:") return v.find((x) => JSON.stringify(x) === rest);
  const key = JSON.parse(rest) as Record<string, unknown>;
  return v.find((x) => matchesKey(x, key));
}

export function matchesKey(item: unknown, key: Record<string, unknown>): boolean {
  if (!isMap(item)) return false;
  return Object.entries(key).every(([k, want]) => (item[k] === undefined && k === "protocol" ? want === "TCP" : Bun.deepEquals(item[k], want)));
}

/** Removes the field at `path` from `obj` (in place); nothing when absent. */
export function removePath(obj: unknown, path: Segment[]): void {
  const parent = valueAt(obj, path.slice(0, -1));
  const seg = path.at(-1)!;
  const kind = seg.slice(0, 2);
  const rest = seg.slice(2);
  if (kind === "f:" && isMap(parent)) delete parent[rest];
  else if (Array.isArray(parent)) {
    const i = kind === "v:" ? parent.findIndex((x) => JSON.stringify(x) === rest) : parent.findIndex((x) => matchesKey(x, JSON.parse(rest)));
    if (i >= 0) parent.splice(i, 1);
  }
}

/** The apiserver's text of a path in conflict messages: `.spec.containers[name="web"].image`. */
export function pathText(path: Segment[]): string {
  let out = "";
  for (const seg of path) {
    const rest = seg.slice(2);
    if (seg.startsWith("f:")) out += `.${rest}`;
    else if (seg.startsWith("v:")) out += `[=${rest}]`;
    else {
      const key = JSON.parse(rest) as Record<string, unknown>;
      out += `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
    }
  }
  return out;
}

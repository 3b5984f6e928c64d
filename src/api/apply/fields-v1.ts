/**
 * FieldsV1, the wire form of a field set in metadata.managedFields: a trie of segments
 * (`{"f:spec":{"f:replicas":{}}}`) where `".": {}` marks a node that is itself a member and
 * also has members below it.
 */
import type { PatchSchema } from "../patch/patch-schema.ts";
import { isEmpty, isMap, itemKey, listKindOf, SEP, SEP_CODE, valueSegment, type FieldSet } from "./field-set.ts";

interface Trie {
  [segment: string]: Trie;
}

export function toFieldsV1(set: FieldSet): Trie {
  const root: Trie = {};
  // Sorted, so the same set always encodes the same (and no-op writes stay no-ops). The
  // separator sorts before every character of a segment, so a path comes right before the
  // paths below it and every node is made with its keys already in order.
  const keys = [...set].sort();
  const nodes = new Map<string, Trie>([["", root]]);
  const nodeAt = (key: string): Trie => {
    let node = nodes.get(key);
    if (node) return node;
    const cut = key.lastIndexOf(SEP);
    const parent = cut < 0 ? root : nodeAt(key.slice(0, cut));
    node = parent[cut < 0 ? key : key.slice(cut + 1)] ??= {};
    nodes.set(key, node);
    return node;
  };
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const node = nodeAt(key);
    // A member with members below it gets ".", first of its keys.
    const next = keys[i + 1];
    if (next !== undefined && next.length > key.length && next.startsWith(key) && next.charCodeAt(key.length) === SEP_CODE) node["."] = {};
  }
  return root;
}

/** The set a FieldsV1 trie names; a malformed one (not objects all the way down) names nothing it cannot read. */
export function fromFieldsV1(trie: unknown): FieldSet {
  const set: FieldSet = new Set();
  const walk = (node: unknown, key: string, root: boolean) => {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return;
    let empty = true;
    for (const k in node) {
      empty = false;
      if (k === ".") {
        if (!root) set.add(key);
        continue;
      }
      walk((node as Record<string, unknown>)[k], root ? k : key + SEP + k, false);
    }
    if (empty && !root) set.add(key);
  };
  walk(trie, "", true);
  return set;
}

/**
 * toFieldsV1(every member of `value`, as collectFields with mapNodes finds them), made in one
 * walk of the object: no path texts, no sort of the whole set, no map of nodes. A create (the
 * creating manager owns every field) spent about a seventh of its time making the set and
 * encoding it. Siblings are sorted by segment, "." first, as toFieldsV1 orders them.
 */
export function fieldsV1Of(value: unknown, s: PatchSchema | undefined): Trie {
  return membersBelow(value, s) ?? {};
}

/** The trie of the members under `value` (not `value` itself); undefined when none. */
function membersBelow(value: unknown, s: PatchSchema | undefined): Trie | undefined {
  if (Array.isArray(value)) {
    const lk = listKindOf(s);
    if (lk.kind === "atomic") return undefined;
    const itemSchema = lk.kind === "map" ? s?.items() : undefined;
    let out: Record<string, Trie> | undefined;
    for (const item of value) {
      const seg = lk.kind === "map" ? itemKey(item, lk.keys) : valueSegment(item);
      out ??= {};
      // Every item is a member; a keyed one has its own members too (two items under one key: both sets).
      const below = lk.kind === "map" ? membersBelow(item, itemSchema) : undefined;
      out[seg] = merge(out[seg], memberNode(below));
    }
    return out && sortedTrie(out);
  }
  if (!isMap(value) || s?.mapType === "atomic") return undefined;
  const isStruct = s?.type === "object";
  const valueSchema = isStruct ? undefined : s?.items();
  let out: Record<string, Trie> | undefined;
  for (const field in value) {
    const v = value[field];
    const childSchema = isStruct ? s!.field(field) : valueSchema;
    const below = membersBelow(v, childSchema);
    const member = isLeaf(v, childSchema) || v === null || (isMap(v) && isEmpty(v)) || !isStruct || (isMap(v) && childSchema?.type !== "object");
    const node = member ? memberNode(below) : below;
    if (node) (out ??= {})[`f:${field}`] = node;
  }
  return out && sortedTrie(out);
}

/** A value that is a member as a whole: a scalar, an atomic list or an atomic map. */
function isLeaf(v: unknown, s: PatchSchema | undefined): boolean {
  if (Array.isArray(v)) return listKindOf(s).kind === "atomic";
  return !isMap(v) || s?.mapType === "atomic";
}

/** A member's node: "." first when it has members below. */
function memberNode(below: Trie | undefined): Trie {
  return below ? { ".": {}, ...below } : {};
}

/** Two nodes of one path (items under the same key): what either holds. */
function merge(a: Trie | undefined, b: Trie): Trie {
  if (!a) return b;
  const out: Record<string, Trie> = { ...a };
  for (const k in b) out[k] = merge(out[k], b[k]!);
  return sortedTrie(out);
}

function sortedTrie(t: Record<string, Trie>): Trie {
  const keys = Object.keys(t);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!;
  if (sorted) return t;
  const out: Trie = {};
  for (const k of keys.sort()) out[k] = t[k]!;
  return out;
}

/** Whether fromFieldsV1(trie) holds `key`, found by walking the trie down its segments. */
export function trieHas(trie: unknown, key: string): boolean {
  let node: unknown = trie;
  for (const seg of key.split(SEP)) {
    if (!isMap(node)) return false;
    node = node[seg];
  }
  if (!isMap(node)) return false;
  // A member is a node marked "." or a leaf (an empty node).
  return Object.hasOwn(node, ".") || isEmpty(node);
}

/** Whether fromFieldsV1(trie) is not empty. */
export function hasMember(trie: unknown, root = true): boolean {
  if (!isMap(trie)) return false;
  let empty = true;
  for (const k in trie) {
    empty = false;
    if (k === ".") {
      if (!root) return true;
    } else if (hasMember(trie[k], false)) return true;
  }
  return empty && !root;
}

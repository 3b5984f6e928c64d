/**
 * FieldsV1, the wire form of a field set in metadata.managedFields: a trie of segments
 * (`{"f:spec":{"f:replicas":{}}}`) where `".": {}` marks a node that is itself a member and
 * also has members below it.
 */
import { SEP, SEP_CODE, type FieldSet } from "./field-set.ts";

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

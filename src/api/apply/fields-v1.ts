/**
 * FieldsV1, the wire form of a field set in metadata.managedFields: a trie of segments
 * (`{"f:spec":{"f:replicas":{}}}`) where `".": {}` marks a node that is itself a member and
 * also has members below it.
 */
import { pathKey, pathOf, type FieldSet } from "./field-set.ts";

interface Trie {
  [segment: string]: Trie;
}

export function toFieldsV1(set: FieldSet): Trie {
  const root: Trie = {};
  // Sorted, so the same set always encodes the same (and no-op writes stay no-ops).
  for (const key of [...set].sort()) {
    let node = root;
    for (const seg of pathOf(key)) node = node[seg] ??= {};
  }
  // Members with children get ".".
  for (const key of set) {
    let node: Trie | undefined = root;
    for (const seg of pathOf(key)) node = node?.[seg];
    if (node && Object.keys(node).some((k) => k !== ".")) node["."] = {};
  }
  return sortTrie(root);
}

function sortTrie(t: Trie): Trie {
  const out: Trie = {};
  for (const k of Object.keys(t).sort()) out[k] = sortTrie(t[k]!);
  return out;
}

/** The set a FieldsV1 trie names; a malformed one (not objects all the way down) names nothing it cannot read. */
export function fromFieldsV1(trie: unknown): FieldSet {
  const set: FieldSet = new Set();
  const walk = (node: unknown, path: string[]) => {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return;
    const keys = Object.keys(node);
    if (path.length && (keys.length === 0 || keys.includes("."))) set.add(pathKey(path));
    for (const k of keys) if (k !== ".") walk((node as Record<string, unknown>)[k], [...path, k]);
  };
  walk(trie, []);
  return set;
}

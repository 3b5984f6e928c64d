import { deepClone, deepEqual, encodedSize, getKey, hasKey, isJsonObject, setKey, type JsonObject, type JsonValue } from "./json-value.ts";
import { parseIndex, parsePointer } from "./json-pointer.ts";
import { patchBadRequest, patchRejected } from "./patch-errors.ts";
import { checkPatchDepth, checkPatchedDepth, copyLimitExceeded, MAX_COPY_BYTES } from "./patch-limits.ts";
import { errors, type StatusError } from "../../model/errors.ts";

/**
 * RFC 6902 JSON Patch (`application/json-patch+json`).
 *
 * Written here rather than taken from a library because the apiserver's answers are part of
 * the contract: a body that is not a list of operations is 400 BadRequest, more than 10000
 * operations is 413, and any operation that does not apply is 422 Invalid — with the reasons
 * worded as evanphx/json-patch (the library the apiserver uses) words them.
 *
 * Bounded as the apiserver bounds it: `copy` operations may add at most MAX_COPY_BYTES in all
 * (each copy of the root would otherwise double the document), and the result must be nested no
 * deeper than any request. Every other operation adds at most its own value, which the body
 * limit bounds.
 *
 * @example
 * applyJsonPatch({ spec: { replicas: 1 } }, [
 *   { op: "test", path: "/spec/replicas", value: 1 },
 *   { op: "replace", path: "/spec/replicas", value: 3 },
 * ]); // → { spec: { replicas: 3 } }
 */
export function applyJsonPatch(original: object, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) {
    throw patchBadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  if (patch.length > MAX_OPERATIONS) {
    // errors.NewRequestEntityTooLargeError in the apiserver, which prefixes its message.
    throw errors.tooLarge(`Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${patch.length}`);
  }
  for (const op of patch) {
    if (!isJsonObject(op)) throw patchBadRequest("json: cannot unmarshal into Go value of type jsonpatch.Operation");
  }
  checkPatchDepth(patch);
  let doc: JsonValue = deepClone(original as JsonObject);
  const budget: CopyBudget = { copied: 0 };
  for (const op of patch as JsonObject[]) doc = applyOperation(doc, op, budget);
  if (!isJsonObject(doc)) throw patchRejected("the patched document is not a JSON object");
  checkPatchedDepth(doc);
  return doc;
}

/** apiserver `maxJSONPatchOperations`. */
export const MAX_OPERATIONS = 10000;

/** Bytes added by `copy` operations so far in one patch. */
interface CopyBudget {
  copied: number;
}

function applyOperation(doc: JsonValue, op: JsonObject, budget: CopyBudget): JsonValue {
  const kind = getKey(op, "op");
  switch (kind) {
    case "add":
      return add(doc, path(op, "add", "path"), requiredValue(op, "add"));
    case "remove":
      return remove(doc, path(op, "remove", "path"));
    case "replace":
      return replace(doc, path(op, "replace", "path"), requiredValue(op, "replace"));
    case "move":
      return move(doc, path(op, "move", "from"), path(op, "move", "path"));
    case "copy":
      return copy(doc, path(op, "copy", "from"), path(op, "copy", "path"), budget);
    case "test":
      test(doc, path(op, "test", "path"), getKey(op, "value") ?? null);
      return doc;
    default:
      throw patchRejected(`Unexpected kind: ${typeof kind === "string" ? kind : "unknown"}`);
  }
}

interface Pointer {
  text: string;
  tokens: string[];
}

function path(op: JsonObject, kind: string, field: "path" | "from"): Pointer {
  const text = getKey(op, field);
  if (typeof text !== "string") {
    throw patchRejected(`${kind} operation failed to decode ${field}: missing value`);
  }
  const tokens = parsePointer(text);
  if (!tokens) throw patchRejected(`${kind} operation failed to decode ${field}: invalid JSON pointer ${JSON.stringify(text)}`);
  return { text, tokens };
}

function requiredValue(op: JsonObject, kind: string): JsonValue {
  if (!hasKey(op, "value")) throw patchRejected(`${kind} operation, missing value field: missing value`);
  return deepClone(op.value);
}

type Container = JsonObject | JsonValue[];

/** The container that holds the last token, or undefined when some ancestor is missing. */
function parentOf(doc: JsonValue, tokens: string[]): Container | undefined {
  let cur: JsonValue | undefined = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = parseIndex(t);
      cur = i === undefined ? undefined : cur[i];
    } else if (isJsonObject(cur)) {
      cur = getKey(cur, t);
    } else {
      return undefined;
    }
  }
  return Array.isArray(cur) || isJsonObject(cur) ? cur : undefined;
}

function lookup(doc: JsonValue, p: Pointer): JsonValue | undefined {
  if (p.tokens.length === 0) return doc;
  const parent = parentOf(doc, p.tokens);
  const key = p.tokens[p.tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = parseIndex(key);
    return i === undefined ? undefined : parent[i];
  }
  return parent ? getKey(parent, key) : undefined;
}

function invalidIndex(key: string): StatusError {
  return patchRejected(`Unable to access invalid index: ${key}: invalid index referenced`);
}

function add(doc: JsonValue, p: Pointer, value: JsonValue): JsonValue {
  if (p.tokens.length === 0) return value;
  const parent = parentOf(doc, p.tokens);
  const key = p.tokens[p.tokens.length - 1]!;
  if (!parent) throw patchRejected(`add operation does not apply: doc is missing path: "${p.text}": missing value`);
  if (Array.isArray(parent)) {
    if (key === "-") {
      parent.push(value);
      return doc;
    }
    const i = parseIndex(key);
    if (i === undefined || i > parent.length) throw invalidIndex(key);
    parent.splice(i, 0, value);
  } else {
    setKey(parent, key, value);
  }
  return doc;
}

function remove(doc: JsonValue, p: Pointer): JsonValue {
  const parent = p.tokens.length === 0 ? undefined : parentOf(doc, p.tokens);
  const key = p.tokens[p.tokens.length - 1] ?? "";
  if (!parent) throw patchRejected(`remove operation does not apply: doc is missing path: "${p.text}": missing value`);
  if (Array.isArray(parent)) {
    const i = parseIndex(key);
    if (i === undefined || i >= parent.length) throw invalidIndex(key);
    parent.splice(i, 1);
  } else {
    if (!hasKey(parent, key)) throw patchRejected(`Unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
  }
  return doc;
}

function replace(doc: JsonValue, p: Pointer, value: JsonValue): JsonValue {
  if (p.tokens.length === 0) return value;
  const parent = parentOf(doc, p.tokens);
  const key = p.tokens[p.tokens.length - 1]!;
  if (!parent) throw patchRejected(`replace operation does not apply: doc is missing path: ${p.text}: missing value`);
  if (Array.isArray(parent)) {
    const i = parseIndex(key);
    if (i === undefined || i >= parent.length) throw invalidIndex(key);
    parent[i] = value;
  } else {
    if (!hasKey(parent, key)) throw patchRejected(`replace operation does not apply: doc is missing key: ${p.text}: missing value`);
    setKey(parent, key, value);
  }
  return doc;
}

function move(doc: JsonValue, from: Pointer, to: Pointer): JsonValue {
  if (to.text === from.text) return doc;
  if (to.text.startsWith(from.text + "/")) {
    throw patchRejected(`move operation does not apply: cannot move ${from.text} into its own child ${to.text}`);
  }
  const value = lookup(doc, from);
  if (value === undefined) throw patchRejected(`move operation does not apply: doc is missing from path: ${from.text}: missing value`);
  return add(remove(doc, from), to, value);
}

function copy(doc: JsonValue, from: Pointer, to: Pointer, budget: CopyBudget): JsonValue {
  const value = lookup(doc, from);
  if (value === undefined) throw patchRejected(`copy operation does not apply: doc is missing from path: ${from.text}: missing value`);
  // As in evanphx/json-patch, a missing destination fails (here with add's message) before the
  // copy is counted.
  if (to.tokens.length > 0 && !parentOf(doc, to.tokens)) return add(doc, to, value);
  budget.copied += encodedSize(value);
  if (budget.copied > MAX_COPY_BYTES) copyLimitExceeded(budget.copied);
  return add(doc, to, deepClone(value));
}

function test(doc: JsonValue, p: Pointer, expected: JsonValue): void {
  if (p.tokens.length > 0 && !parentOf(doc, p.tokens)) {
    throw patchRejected(`test operation does not apply: is missing path: ${p.text}: missing value`);
  }
  // As in evanphx/json-patch: an absent member tests equal to null.
  const actual = lookup(doc, p) ?? null;
  if (!deepEqual(actual, expected)) throw patchRejected(`testing value ${p.text} failed: test failed`);
}

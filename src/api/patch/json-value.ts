/**
 * JSON values as the patch engines see them, and the few helpers they share.
 * Every engine deep-copies its inputs first and then works on private copies, so callers'
 * objects are never mutated.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Kinds compared the way Go compares decoded JSON types (map, slice, or scalar type). */
export function kindOf(v: unknown): "object" | "array" | "string" | "number" | "boolean" | "null" {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  const t = typeof v;
  if (t === "string" || t === "number" || t === "boolean") return t;
  return "object";
}

/** Own-property read: a key named `__proto__` or `constructor` in a patch is data, not a prototype. */
export function getKey(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function hasKey(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** Own-property write that cannot reach the prototype chain (`__proto__` from JSON.parse is an own key). */
export function setKey(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * A private copy. Iterative, so an object of any depth (one stored before depth limits, or one a
 * JSON patch nested by copying into itself) is copied instead of overflowing the stack; the
 * engines refuse results nested deeper than the request limit afterwards.
 */
export function deepClone<T>(v: T): T {
  if (!isContainer(v)) return v;
  const root = emptyLike(v);
  const from: Container[] = [v];
  const to: Container[] = [root];
  while (from.length > 0) {
    const src = from.pop()!;
    const dst = to.pop()!;
    if (Array.isArray(src)) {
      const out = dst as JsonValue[];
      for (const e of src) {
        if (isContainer(e)) {
          const c = emptyLike(e);
          out.push(c);
          from.push(e);
          to.push(c);
        } else {
          out.push(e);
        }
      }
    } else {
      const out = dst as JsonObject;
      for (const k of Object.keys(src)) {
        const e = src[k]!;
        if (isContainer(e)) {
          const c = emptyLike(e);
          setKey(out, k, c);
          from.push(e);
          to.push(c);
        } else {
          setKey(out, k, e);
        }
      }
    }
  }
  return root as T;
}

type Container = JsonObject | JsonValue[];

function isContainer(v: unknown): v is Container {
  return typeof v === "object" && v !== null;
}

function emptyLike(v: Container): Container {
  return Array.isArray(v) ? [] : {};
}

/**
 * Whether `v` holds a list or map nested more than `max` levels below it (the top-level value is
 * level 0, as the request decoder counts). Iterative, and stops at the first offender.
 */
export function nestedDeeperThan(v: unknown, max: number): boolean {
  if (!isContainer(v)) return false;
  const values: Container[] = [v];
  const depths: number[] = [0];
  while (values.length > 0) {
    const c = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(c) ? c : Object.values(c)) {
      if (isContainer(child)) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/**
 * Bytes of `v` encoded as compact JSON by Go's encoding/json (which escapes `<`, `>`, `&`, U+2028
 * and U+2029 where JSON.stringify does not), without building the encoding. evanphx/json-patch
 * counts a copy's size this way against its accumulated copy limit. Iterative, for any depth.
 */
export function encodedSize(v: JsonValue): number {
  let size = 0;
  const stack: JsonValue[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (Array.isArray(x)) {
      size += 2 + Math.max(0, x.length - 1); // brackets and commas
      for (const e of x) stack.push(e);
    } else if (isJsonObject(x)) {
      const keys = Object.keys(x);
      size += 2 + Math.max(0, keys.length - 1) + keys.length; // braces, commas and colons
      for (const k of keys) {
        size += stringSize(k);
        stack.push(x[k]!);
      }
    } else if (typeof x === "string") {
      size += stringSize(x);
    } else {
      size += String(x).length; // numbers, booleans, null: ASCII
    }
  }
  return size;
}

function stringSize(s: string): number {
  let extra = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3c || c === 0x3e || c === 0x26) extra += 5; // "\u003c" instead of one byte
    else if (c === 0x2028 || c === 0x2029) extra += 3; // "\u2028" instead of three bytes
  }
  return Buffer.byteLength(JSON.stringify(s), "utf8") + extra;
}

/** Structural equality; object key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((e, i) => deepEqual(e, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

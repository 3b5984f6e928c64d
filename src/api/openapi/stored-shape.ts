/**
 * Wrong-typed fields of an object as it is stored. The write path refuses them now, but an
 * object written before that (by an older version, or restored from a backup, or put into the
 * store underneath) can still hold `initContainers: "garbage"`. The apiserver would fail to
 * decode such an object into its Go type; readers here see plain JSON instead, so each one
 * asks this module what it cannot trust and reads a copy with the bad values left out (tables,
 * the controllers' and scheduler's caches), the copy remembering what was wrong for the
 * object's own reconcile. (The agent bundles no schema: model/pod-shape.ts is its check.)
 *
 * Rules follow Go's JSON decoding into the typed structs: null is every type's zero value (but
 * not as a list item, which readers would dereference), quantities and int-or-string accept
 * both numbers and strings, opaque types (RawExtension, FieldsV1) accept anything.
 *
 * Not type-check.ts, the write path's check: that one also judges values (ranges, formats,
 * quantities, required fields), rewrites quantities in place and throws past the nesting
 * limit — right for a request body, wrong for a reader that walks every object a cache
 * receives and must neither change nor fail on it. This walk asks only "would reading this
 * field as its type throw?", resolves each schema once and builds no path text unless
 * something is wrong (a running pod: ~4 µs, below a JSON round trip of it), and words its
 * findings the same way.
 */
import { cloneObject } from "../../model/clone.ts";
import type { Schema } from "./defs-types.ts";
import { definitionFor, isOpaque, openapiDefs, resolve } from "./defs.ts";

export interface ShapeProblem {
  /** The apiserver's path form: `spec.containers[0].command`. */
  path: string;
  expected: string;
  got: string;
}

/** Deeper than any built-in type nests; a hostile recursive value stops being walked here. */
const MAX_DEPTH = 64;

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** A schema as the walk reads it, resolved once (the walk meets the same few hundred schemas for every object). */
interface Node {
  /** The JSON type a value must have; undefined when any will do (opaque, untyped). */
  want?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  intOrString: boolean;
  props?: Record<string, Schema>;
  additional?: Schema;
  items?: Schema;
  /** List items are objects: a null item is a problem (readers dereference items). */
  itemIsObject: boolean;
}

// Keyed by the schema objects of the parsed definitions (and OBJECT_META): a bounded set.
const nodes = new Map<Schema, Node | undefined>();

function nodeOf(schema: Schema | undefined): Node | undefined {
  if (!schema) return undefined;
  let n = nodes.get(schema);
  if (n !== undefined || nodes.has(schema)) return n;
  const s = resolve(schema);
  if (s && !isOpaque(s)) {
    const item = resolve(s.items);
    n = {
      want: s.type ?? (s.properties || s.additionalProperties ? "object" : s.items ? "array" : undefined),
      intOrString: !!s["x-kubernetes-int-or-string"],
      props: s.properties,
      additional: s.additionalProperties,
      items: s.items,
      itemIsObject: item?.type === "object" || !!item?.properties,
    };
  }
  nodes.set(schema, n);
  return n;
}

/** The type the node expects when `v` does not have it; undefined when `v` fits. */
function mismatch(v: unknown, n: Node): string | undefined {
  const want = n.want;
  if (!want || v === null || v === undefined) return undefined; // undefined: absent, as in JSON
  switch (want) {
    case "object":
      return typeof v === "object" && !Array.isArray(v) ? undefined : want;
    case "array":
      return Array.isArray(v) ? undefined : want;
    case "string":
      return typeof v === "string" || (n.intOrString && typeof v === "number") ? undefined : want;
    case "integer":
      return Number.isInteger(v) ? undefined : want;
    case "number":
      return typeof v === "number" ? undefined : want;
    case "boolean":
      return typeof v === "boolean" ? undefined : want;
  }
  return undefined;
}

/** The apiserver's path form of a stack of keys and indexes. */
function pathText(path: (string | number)[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/**
 * Calls `bad` for every value that does not fit; returns false when `value` itself does not
 * fit (so the caller drops it under `fix`). The path is a stack of segments made into text
 * only for a problem: a walk over a good object (the common case) builds no strings.
 */
function walk(value: unknown, schema: Schema | undefined, path: (string | number)[], bad: (p: ShapeProblem) => void, fix: boolean): boolean {
  const n = nodeOf(schema);
  if (!n || path.length > MAX_DEPTH) return true;
  const want = mismatch(value, n);
  if (want) {
    bad({ path: pathText(path), expected: want, got: jsonType(value) });
    return false;
  }
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    if (!n.items) return true;
    let dropped: number[] | undefined;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      let ok = true;
      if (value[i] === null && n.itemIsObject) {
        bad({ path: pathText(path), expected: "object", got: "null" });
        ok = false;
      } else {
        ok = walk(value[i], n.items, path, bad, fix);
      }
      path.pop();
      if (!ok) (dropped ??= []).push(i);
    }
    if (fix && dropped) for (let j = dropped.length - 1; j >= 0; j--) value.splice(dropped[j]!, 1);
    return true;
  }
  const obj = value as Record<string, unknown>;
  const props = n.props;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const prop = props ? props[key] : n.additional;
    if (prop === undefined) continue; // unknown fields are another matter (see unknown-fields.ts)
    path.push(key);
    const ok = walk(obj[key], prop, path, bad, fix);
    path.pop();
    if (!ok && fix) delete obj[key];
  }
  return true;
}

function rootSchema(apiVersion: string | undefined, kind: string | undefined): Schema | undefined {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return undefined;
  const slash = apiVersion.indexOf("/");
  const [group, version] = slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  const name = definitionFor(group, version, kind);
  return name ? openapiDefs().definitions[name] : undefined;
}

export interface ShapeOptions {
  /** Only these top-level fields (e.g. ["metadata", "spec"]); all when absent. */
  only?: string[];
  /** Stop after this many problems. */
  limit?: number;
}

/**
 * The wrong-typed fields of an object, by its own apiVersion and kind; [] for kinds without a
 * schema. The root itself must be an object.
 *
 * @example shapeProblems({ apiVersion: "v1", kind: "Pod", spec: { initContainers: "x" } })
 *   // [{ path: "spec.initContainers", expected: "array", got: "string" }]
 */
export function shapeProblems(obj: unknown, opts: ShapeOptions = {}): ShapeProblem[] {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return [{ path: "", expected: "object", got: jsonType(obj) }];
  const o = obj as Record<string, unknown>;
  const root = rootSchema(o.apiVersion as string, o.kind as string);
  if (!root?.properties) return [];
  const found: ShapeProblem[] = [];
  const limit = opts.limit ?? Infinity;
  try {
    for (const key of opts.only ?? Object.keys(o)) {
      if (!(key in o) || !root.properties[key]) continue;
      walk(o[key], root.properties[key], [key], (p) => {
        found.push(p);
        if (found.length >= limit) throw found;
      }, false);
    }
  } catch (e) {
    if (e !== found) throw e;
  }
  return found;
}

/** A copy of the object with every wrong-typed value left out (what a reader may trust). */
export function withoutBadShapes<T>(obj: T): T {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return obj;
  const copy = cloneObject(obj) as Record<string, unknown>;
  const root = rootSchema(copy.apiVersion as string, copy.kind as string);
  if (!root?.properties) return copy as T;
  for (const key of Object.keys(copy)) {
    const prop = root.properties[key];
    if (prop && !walk(copy[key], prop, [key], () => {}, true)) delete copy[key];
  }
  return copy as T;
}

/** `spec.initContainers in body must be of type array: "string"` (the apiserver's schema wording). */
export function shapeProblemText(p: ShapeProblem): string {
  return `${p.path} in body must be of type ${p.expected}: "${p.got}"`;
}

/** One object for all calls: the walk caches what it learns per schema object. */
const OBJECT_META: Schema = { $ref: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" };

/**
 * ObjectMeta as a typed reader may take it: the same object when it fits, else a copy with
 * the wrong-typed fields left out ({} for a metadata that is not an object at all).
 */
export function trustedObjectMeta(meta: unknown): Record<string, unknown> {
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) return {};
  const schema = OBJECT_META;
  let fits = true;
  walk(meta, schema, ["metadata"], () => (fits = false), false);
  if (fits) return meta as Record<string, unknown>;
  const copy = cloneObject(meta) as Record<string, unknown>;
  walk(copy, schema, ["metadata"], () => {}, true);
  return copy;
}

/** Copies made by readableCopy, with what was left out of them. */
const repairs = new WeakMap<object, ShapeProblem[]>();

/**
 * The object as a cache may hand it to readers: itself when every field fits (the common
 * case, one walk), else a copy without the wrong-typed values that remembers what was wrong,
 * so `specProblems` still tells a reader that acts on metadata and spec not to.
 */
export function readableCopy<T extends object>(obj: T): T {
  if (shapeProblems(obj, { limit: 1 }).length === 0) return obj;
  const problems = shapeProblems(obj);
  let copy: T;
  try {
    copy = withoutBadShapes(obj);
  } catch {
    copy = obj; // too deep to copy: readers get it as it is, still marked
  }
  repairs.set(copy, problems);
  return copy;
}

const SPEC_PATH = /^(metadata|spec)(\.|\[|$)/;
const readerPath = (p: ShapeProblem) => SPEC_PATH.test(p.path) && !p.path.startsWith("metadata.managedFields");

/**
 * For a copy made by readableCopy, what was wrong with its metadata and spec (see
 * specProblems); undefined for any other object, without a walk — for readers of a cache
 * that makes every object through readableCopy.
 */
export function repairedSpecProblems(obj: object): ShapeProblem[] | undefined {
  const recorded = repairs.get(obj)?.filter(readerPath);
  return recorded?.length ? recorded : undefined;
}

/**
 * The problems a reader of metadata and spec meets — what controllers, the scheduler and the
 * agent act on. managedFields is the server's bookkeeping that none of them reads, and
 * status is theirs to write. For a copy made by readableCopy, the problems of the original.
 */
export function specProblems(obj: { metadata?: unknown; [k: string]: unknown }, limit?: number): ShapeProblem[] {
  const recorded = repairs.get(obj);
  if (recorded) return recorded.filter(readerPath).slice(0, limit);
  const meta = obj.metadata !== null && typeof obj.metadata === "object" ? { ...obj.metadata, managedFields: undefined } : obj.metadata;
  return shapeProblems({ ...obj, metadata: meta }, { only: ["metadata", "spec"], limit });
}

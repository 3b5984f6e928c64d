/**
 * What every stored object must be, whoever writes it: of its kind's types (checked before
 * defaulting and admission, which assume them) and no larger than a Kubernetes apiserver
 * could store (checked last, on the object as it will be written).
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import { errors, type StatusCause } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import { shapeErrors, structuralErrors } from "../openapi/type-check.ts";
import { applySchemaDefaults } from "../openapi/unknown-fields.ts";

/**
 * etcd refuses requests over 1.5 MiB (its --max-request-bytes default), which caps Kubernetes'
 * objects at about that size; ours are held the same way, and a watch history of a few such
 * objects stays bounded.
 */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/**
 * 422 with one cause per field of `obj` that does not fit the kind's types; numbers given for
 * Quantities become strings. On update, faults the stored object `old` already has are let
 * through: an object stored before this check existed must still take the writes that end
 * it (a finalizer's removal, the kubelet's last status), and a new fault is still refused.
 */
export function checkShape(def: ResourceDef, obj: KubeObject, old?: KubeObject): void {
  let causes = shapeOf(def, obj);
  if (causes.length && old) {
    const key = (c: StatusCause) => `${c.field}\0${c.message}`;
    const known = new Set(shapeOf(def, cloneObject(old)).map(key));
    causes = causes.filter((c) => !known.has(key(c)));
  }
  if (causes.length) {
    const name = typeof obj.metadata?.name === "string" ? obj.metadata.name : "";
    throw errors.invalid(def.group, def.kind, name, causes);
  }
}

/**
 * A custom resource is defaulted from its schema first (nulls it does not allow dropped,
 * defaults filled in), as the apiextensions-apiserver decodes, then judged by the whole
 * structural schema; a built-in kind by its types.
 */
function shapeOf(def: ResourceDef, obj: KubeObject): StatusCause[] {
  if (!def.custom) return shapeErrors(obj, def.group, def.version, def.kind);
  applySchemaDefaults(obj, def.custom.schema);
  return structuralErrors(obj, def.custom.schema);
}

/**
 * 413 when `obj` encodes to more than MAX_OBJECT_BYTES of JSON. An update that does not grow
 * an object stored over the limit before the limit existed passes, so that it can still end.
 */
export function checkEncodedSize(def: ResourceDef, obj: KubeObject, old?: KubeObject): void {
  const bytes = encodedSize(obj);
  if (bytes <= MAX_OBJECT_BYTES) return;
  // Both without resourceVersion, which an unpinned write does not carry.
  if (old && encodedSize(unversioned(old)) >= encodedSize(unversioned(obj))) return;
  const what = `${def.kind}${def.group ? "." + def.group : ""} "${obj.metadata?.name ?? ""}"`;
  throw errors.tooLarge(`Request entity too large: ${what} is ${bytes} bytes when encoded, more than the limit of ${MAX_OBJECT_BYTES} bytes for a stored object`);
}

function encodedSize(obj: KubeObject): number {
  // Nearly every object is far below the limit: a bound found without encoding settles it.
  const bound = sizeBound(obj, MAX_OBJECT_BYTES);
  if (bound <= MAX_OBJECT_BYTES) return bound;
  const text = JSON.stringify(obj);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only long texts need counting.
  return text.length * 3 <= MAX_OBJECT_BYTES ? text.length : Buffer.byteLength(text);
}

const unversioned = (obj: KubeObject): KubeObject => ({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });

/**
 * At least the JSON size of `v` in UTF-8 (strings counted at 6 bytes a unit, the most an
 * escape or a surrogate half takes; numbers at 24), or a number over `limit` once past it.
 */
function sizeBound(v: unknown, limit: number): number {
  let total = 0;
  const walk = (x: unknown): void => {
    if (total > limit) return;
    if (typeof x === "string") total += 2 + x.length * 6;
    else if (typeof x === "number") total += 24;
    else if (typeof x !== "object" || x === null) total += 5;
    else if (Array.isArray(x)) {
      total += 2 + x.length;
      for (const item of x) walk(item);
    } else {
      total += 2;
      for (const k in x) {
        total += 4 + k.length * 6;
        walk((x as Record<string, unknown>)[k]);
      }
    }
  };
  walk(v);
  return total;
}

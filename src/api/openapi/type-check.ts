/**
 * The shape check of an object against the OpenAPI types of its kind: what Kubernetes gets for
 * free by decoding JSON into Go structs. JSON types (maps via additionalProperties), int32/int64
 * ranges from `format`, integral integers, int-or-string, resource.Quantity (a string or a
 * number, as Quantity.UnmarshalJSON takes), RFC 3339 times, the enforced required fields
 * (required-fields.ts), and the nesting limit for parts the schema does not describe.
 *
 * Kubernetes answers a body that does not decode with 400 and one Go error; we answer 422 with
 * one cause per field, in the form structural-schema validation gives CRDs:
 * `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
 *
 * null passes everywhere: Go decodes it as "absent" (or the zero value). Unknown fields are not
 * this check's business (fieldValidation prunes or refuses them), only their depth is.
 */
import type { StatusCause } from "../../model/errors.ts";
import { Quantity } from "../../model/quantity.ts";
import { checkDepth, tooDeep, MAX_DEPTH } from "../nesting.ts";
import type { Schema } from "./defs-types.ts";
import { definitionFor, isOpaque, openapiDefs } from "./defs.ts";
import { INT_OR_STRING, QUANTITY } from "./model-names.ts";
import { ENFORCED_REQUIRED } from "./required-fields.ts";
import { valueConstraints } from "./constraints.ts";

/** More causes than anyone reads; also bounds the work spent on a hostile body. */
export const MAX_CAUSES = 100;

const INT32 = 2 ** 31;
const INT64 = 2 ** 63;
// Go's time.RFC3339 layout: a 'T', optional fraction, 'Z' or a ±hh:mm offset.
const RFC3339 = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

// The usual spellings ("100m", "1.5", "128Mi"), valid without the exact parse (BigInt arithmetic, the bulk of a check's cost otherwise).
const PLAIN_QUANTITY = /^[+-]?[0-9]{1,30}(\.[0-9]{1,30})?([KMGTPE]i|[numkMGTPE])?$/;

type JsonType = "string" | "integer" | "number" | "boolean" | "array" | "object";

function jsonType(v: unknown): JsonType {
  if (Array.isArray(v)) return "array";
  const t = typeof v;
  if (t === "number") return Number.isInteger(v) ? "integer" : "number";
  if (t === "string" || t === "boolean") return t;
  return "object";
}

function fitsType(v: unknown, type: Schema["type"]): boolean {
  switch (type) {
    case undefined:
      return true;
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "object":
      return isMap(v);
    default:
      return jsonType(v) === type;
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

class Checker {
  readonly causes: StatusCause[] = [];

  /**
   * A CustomResourceDefinition's structural schema: its `required` lists and value constraints
   * hold as written (constraints.ts), as the apiextensions-apiserver's schema validation does.
   */
  constructor(private readonly structural = false) {}

  full(): boolean {
    return this.causes.length >= MAX_CAUSES;
  }

  private typeInvalid(path: string, value: unknown, want: string, shown = `"${jsonType(value)}"`): void {
    const detail = `${path} in body must be of type ${want}: ${shown}`;
    this.causes.push({ reason: "FieldValueTypeInvalid", field: path, message: `Invalid value: "${jsonType(value)}": ${detail}` });
  }

  private invalid(path: string, value: unknown, detail: string): void {
    this.causes.push({ reason: "FieldValueInvalid", field: path, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` });
  }

  /** Checks `value` at `path`; returns the value to keep (a Quantity number becomes its string). */
  check(value: unknown, schema: Schema | undefined, path: string, depth: number): unknown {
    if (depth > MAX_DEPTH) throw tooDeep();
    if (value === null || value === undefined || this.full()) return value;
    let s = schema;
    let name: string | undefined;
    if (s?.$ref) {
      name = s.$ref;
      if (name === QUANTITY) return this.quantity(value, path);
      if (name === INT_OR_STRING) return this.intOrString(value, path), value;
      s = openapiDefs().definitions[name];
    }
    if (s?.["x-kubernetes-int-or-string"] && !name) {
      this.intOrString(value, path, this.structural);
      if (this.structural) this.push(valueConstraints(value, s, path));
      return value;
    }
    if (isOpaque(s)) {
      checkDepth(value, depth);
      return value;
    }
    const typed = fitsType(value, s!.type);
    switch (s!.type) {
      case "object":
        if (!isMap(value)) this.typeInvalid(path, value, "object");
        else this.object(value, s!, name, path, depth);
        break;
      case "array":
        if (!Array.isArray(value)) this.typeInvalid(path, value, "array");
        else for (let i = 0; i < value.length && !this.full(); i++) {
          const v = value[i];
          const kept = this.check(v, s!.items, `${path}[${i}]`, depth + 1);
          if (kept !== v) value[i] = kept;
        }
        break;
      case "string":
        if (typeof value !== "string") this.typeInvalid(path, value, "string");
        else if (s!.format === "date-time" && !RFC3339.test(value)) this.typeInvalid(path, value, "date-time", JSON.stringify(value));
        break;
      case "integer":
        this.integer(value, s!.format, path);
        break;
      case "number":
        // YAML's .inf and .nan decode to numbers JSON cannot carry.
        if (typeof value !== "number" || !Number.isFinite(value)) this.typeInvalid(path, value, "number");
        break;
      case "boolean":
        if (typeof value !== "boolean") this.typeInvalid(path, value, "boolean");
        break;
    }
    // Constraints are judged only on a value of the right type (a string is not "less than 10").
    if (this.structural && typed) this.push(valueConstraints(value, s!, path));
    return value;
  }

  private push(found: StatusCause[]): void {
    for (const c of found) if (!this.full()) this.causes.push(c);
  }

  private object(obj: Record<string, unknown>, s: Schema, name: string | undefined, path: string, depth: number): void {
    const dot = path ? `${path}.` : "";
    if (s.properties) {
      for (const key of Object.keys(obj)) {
        if (this.full()) return;
        const v = obj[key];
        const prop = s.properties[key];
        if (prop === undefined) checkDepth(v, depth + 1);
        else {
          const kept = this.check(v, prop, dot + key, depth + 1);
          if (kept !== v) obj[key] = kept;
        }
      }
      if (this.structural && s.required) {
        for (const key of s.required) {
          if (obj[key] === undefined) this.causes.push({ reason: "FieldValueRequired", field: dot + key, message: "Required value" });
        }
      }
      const required = name ? ENFORCED_REQUIRED[name] : undefined;
      if (required) {
        for (const key of required) {
          const v = obj[key];
          if (v === undefined || v === null || v === "" || v === 0) this.causes.push({ reason: "FieldValueRequired", field: dot + key, message: "Required value" });
        }
      }
    } else if (s.additionalProperties) {
      for (const key of Object.keys(obj)) {
        if (this.full()) return;
        const v = obj[key];
        const kept = this.check(v, s.additionalProperties, `${path}[${key}]`, depth + 1);
        if (kept !== v) obj[key] = kept;
      }
    }
  }

  private integer(value: unknown, format: string | undefined, path: string): void {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.typeInvalid(path, value, "integer");
      return;
    }
    // A double holds int64's maximum only rounded up to 2^63, so that much is let through.
    const tooBig = format === "int32" ? value < -INT32 || value >= INT32 : value < -INT64 || value > INT64;
    if (tooBig) this.typeInvalid(path, value, format ?? "int64", `"${value}"`);
  }

  /** A custom resource's int-or-string is any integer (`wide`); a built-in's IntOrString holds an int32. */
  private intOrString(value: unknown, path: string, wide = false): void {
    if (typeof value === "string") return;
    if (typeof value === "number" && Number.isInteger(value)) {
      if (!wide && (value < -INT32 || value >= INT32)) this.typeInvalid(path, value, "int32", `"${value}"`);
      return;
    }
    this.typeInvalid(path, value, "integer or string");
  }

  /** A number is stored as its canonical string, as Kubernetes re-encodes every Quantity. */
  private quantity(value: unknown, path: string): unknown {
    if (typeof value !== "string" && typeof value !== "number") {
      this.typeInvalid(path, value, "integer or string");
      return value;
    }
    if (typeof value === "string" && PLAIN_QUANTITY.test(value)) return value;
    try {
      const q = Quantity.parse(value);
      return typeof value === "number" ? q.toString() : value;
    } catch (e) {
      this.invalid(path, value, (e as Error).message);
      return value;
    }
  }
}

/**
 * Causes for every field of `obj` whose value does not fit the kind's OpenAPI types (at most
 * MAX_CAUSES); [] when it fits or the kind has no schema. Quantities given as numbers are
 * rewritten in place to their strings. Throws a 400 past the nesting limit.
 *
 * @example shapeErrors({ spec: { replicas: "3" } }, "apps", "v1", "Deployment")
 * // [{ reason: "FieldValueTypeInvalid", field: "spec.replicas", message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"' }]
 */
export function shapeErrors(obj: unknown, group: string, version: string, kind: string): StatusCause[] {
  const name = definitionFor(group, version, kind);
  if (!name) {
    checkDepth(obj);
    return [];
  }
  const checker = new Checker();
  checker.check(obj, { $ref: name }, "", 0);
  return checker.causes;
}

/**
 * shapeErrors against a custom resource's structural schema (a CustomResourceDefinition
 * version's, see api/crd/): types as above, and its `required` lists, enums, bounds, lengths,
 * patterns and formats, every failing field one cause.
 *
 * @example structuralErrors({ spec: { size: 0 } }, { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } } } })
 * // [{ reason: "FieldValueInvalid", field: "spec.size", message: "Invalid value: 0: spec.size in body should be greater than or equal to 1" }]
 */
export function structuralErrors(obj: unknown, schema: Schema): StatusCause[] {
  const checker = new Checker(true);
  checker.check(obj, schema, "", 0);
  return checker.causes;
}

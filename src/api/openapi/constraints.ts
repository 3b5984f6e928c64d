/**
 * The value constraints of a CustomResourceDefinition's structural schema on one value whose
 * type already fits: enum, bounds, lengths, pattern, item and property counts, uniqueness and
 * formats, worded as the apiextensions-apiserver words them (k8s.io/kube-openapi validate
 * errors turned into field errors): `spec.size: Invalid value: 0: spec.size in body should be
 * greater than or equal to 1`. type-check.ts walks the object and calls this per value.
 */
import type { StatusCause } from "../../model/errors.ts";
import type { Schema } from "./defs-types.ts";
import { FORMATS } from "./formats.ts";

const show = (v: unknown) => JSON.stringify(v);

const invalid = (path: string, value: unknown, detail: string): StatusCause => ({
  reason: "FieldValueInvalid",
  field: path,
  message: `Invalid value: ${show(value)}: ${path} in body ${detail}`,
});

/** Patterns compiled once per schema string (a list of 10,000 items shares one). */
const patterns = new Map<string, RegExp | null>();

function patternOf(source: string): RegExp | null {
  let re = patterns.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(source, "u");
    } catch {
      re = null; // refused when the CRD is validated; an old stored one matches nothing
    }
    patterns.set(source, re);
  }
  return re;
}

/** Causes for `value` (of the schema's type) breaking the schema's constraints; [] when it keeps them. */
export function valueConstraints(value: unknown, s: Schema, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (s.enum && !s.enum.some((e) => Bun.deepEquals(e, value))) {
    out.push({
      reason: "FieldValueNotSupported",
      field: path,
      message: `Unsupported value: ${show(value)}: supported values: ${s.enum.map(show).join(", ")}`,
    });
  }
  if (typeof value === "number") {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) {
      out.push(invalid(path, value, `should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${s.minimum}`));
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) {
      out.push(invalid(path, value, `should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${s.maximum}`));
    }
    if (s.multipleOf && !Number.isInteger(value / s.multipleOf)) out.push(invalid(path, value, `should be a multiple of ${s.multipleOf}`));
  }
  if (typeof value === "string") {
    // Lengths count characters (Go's utf8.RuneCountInString), not UTF-16 units.
    const length = [...value].length;
    if (s.minLength !== undefined && length < s.minLength) out.push(invalid(path, value, `should be at least ${s.minLength} chars long`));
    if (s.maxLength !== undefined && length > s.maxLength) {
      out.push({ reason: "FieldValueTooLong", field: path, message: `Too long: may not be more than ${s.maxLength} bytes` });
    }
    if (s.pattern !== undefined && !patternOf(s.pattern)?.test(value)) out.push(invalid(path, value, `should match '${s.pattern}'`));
    const format = s.format && s.format !== "date-time" ? FORMATS[s.format] : undefined;
    if (format && !format(value)) {
      out.push({ reason: "FieldValueInvalid", field: path, message: `Invalid value: ${show(value)}: ${path} in body must be of type ${s.format}: ${show(value)}` });
    }
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) out.push(invalid(path, value, `should have at least ${s.minItems} items`));
    if (s.maxItems !== undefined && value.length > s.maxItems) {
      out.push({ reason: "FieldValueTooMany", field: path, message: `Too many: ${value.length}: must have at most ${s.maxItems} items` });
    }
    if (s.uniqueItems) {
      // By encoding: linear, where pairwise deep comparison of a long list is quadratic.
      const seen = new Set<string>();
      value.forEach((v, i) => {
        const key = JSON.stringify(v);
        if (seen.has(key)) out.push({ reason: "FieldValueDuplicate", field: `${path}[${i}]`, message: `Duplicate value: ${key}` });
        seen.add(key);
      });
    }
  } else if (typeof value === "object" && value !== null) {
    const count = Object.keys(value).length;
    if (s.minProperties !== undefined && count < s.minProperties) out.push(invalid(path, value, `should have at least ${s.minProperties} properties`));
    if (s.maxProperties !== undefined && count > s.maxProperties) {
      out.push({ reason: "FieldValueTooMany", field: path, message: `Too many: ${count}: must have at most ${s.maxProperties} items` });
    }
  }
  return out;
}

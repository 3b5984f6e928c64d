import { expect, test } from "bun:test";
import type { Schema } from "./defs-types.ts";
import { structuralErrors } from "./type-check.ts";

const spec = (props: Record<string, Schema>, required?: string[]): Schema => ({
  type: "object",
  properties: { spec: { type: "object", properties: props, ...(required ? { required } : {}) } },
});

test.each([
  ["minimum", { n: { type: "integer", minimum: 1 } }, { n: 0 }, "Invalid value: 0: spec.n in body should be greater than or equal to 1"],
  ["exclusiveMinimum", { n: { type: "integer", minimum: 1, exclusiveMinimum: true } }, { n: 1 }, "Invalid value: 1: spec.n in body should be greater than 1"],
  ["maximum", { n: { type: "number", maximum: 2.5 } }, { n: 3 }, "Invalid value: 3: spec.n in body should be less than or equal to 2.5"],
  ["multipleOf", { n: { type: "integer", multipleOf: 5 } }, { n: 7 }, "Invalid value: 7: spec.n in body should be a multiple of 5"],
  ["enum", { s: { type: "string", enum: ["a", "b"] } }, { s: "c" }, 'Unsupported value: "c": supported values: "a", "b"'],
  ["pattern", { s: { type: "string", pattern: "^x+$" } }, { s: "y" }, `Invalid value: "y": spec.s in body should match '^x+$'`],
  ["minLength (characters, not bytes)", { s: { type: "string", minLength: 3 } }, { s: "éé" }, 'Invalid value: "éé": spec.s in body should be at least 3 chars long'],
  ["maxLength", { s: { type: "string", maxLength: 2 } }, { s: "abc" }, "Too long: may not be more than 2 bytes"],
  ["minItems", { l: { type: "array", items: { type: "string" }, minItems: 2 } }, { l: ["a"] }, 'Invalid value: ["a"]: spec.l in body should have at least 2 items'],
  ["maxItems", { l: { type: "array", items: { type: "string" }, maxItems: 1 } }, { l: ["a", "b"] }, "Too many: 2: must have at most 1 items"],
  ["maxProperties", { m: { type: "object", additionalProperties: { type: "string" }, maxProperties: 1 } }, { m: { a: "1", b: "2" } }, "Too many: 2: must have at most 1 items"],
  ["format email", { s: { type: "string", format: "email" } }, { s: "x" }, 'Invalid value: "x": spec.s in body must be of type email: "x"'],
  ["format ipv4", { s: { type: "string", format: "ipv4" } }, { s: "300.1.1.1" }, 'Invalid value: "300.1.1.1": spec.s in body must be of type ipv4: "300.1.1.1"'],
  ["int-or-string", { p: { "x-kubernetes-int-or-string": true } }, { p: true }, 'Invalid value: "boolean": spec.p in body must be of type integer or string: "boolean"'],
] as [string, Record<string, Schema>, object, string][])("%s", (_name, props, value, message) => {
  const causes = structuralErrors({ spec: value }, spec(props));
  expect(causes.map((c) => c.message)).toEqual([message]);
});

test("values that keep the constraints pass; constraints are not judged on a value of the wrong type", () => {
  const s = spec({ n: { type: "integer", minimum: 1, maximum: 3 }, s: { type: "string", enum: ["a"], format: "ipv4" }, p: { "x-kubernetes-int-or-string": true } });
  expect(structuralErrors({ spec: { n: 2, p: 99999999999 } }, s)).toEqual([]);
  expect(structuralErrors({ spec: { n: "x" } }, s).map((c) => c.field)).toEqual(["spec.n"]);
});

test("required fields of the schema are enforced, every missing one a cause", () => {
  const causes = structuralErrors({ spec: {} }, spec({ a: { type: "string" }, b: { type: "string" } }, ["a", "b"]));
  expect(causes).toEqual([
    { reason: "FieldValueRequired", field: "spec.a", message: "Required value" },
    { reason: "FieldValueRequired", field: "spec.b", message: "Required value" },
  ]);
});

test("fields beside x-kubernetes-preserve-unknown-fields are still checked", () => {
  const s: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { n: { type: "integer" } } };
  expect(structuralErrors({ n: "x", other: { any: 1 } }, s).map((c) => c.field)).toEqual(["n"]);
});

import { expect, test } from "bun:test";
import { checkFieldsSupported, matchesFields, parseFieldSelector } from "./field-selector.ts";

const obj: Record<string, string> = { "metadata.name": "web", "status.phase": "Running", "spec.nodeName": "" };
const get = (f: string) => obj[f];

test.each([
  ["", true],
  ["metadata.name=web", true],
  ["metadata.name==web", true],
  ["metadata.name!=web", false],
  ["status.phase!=Pending,metadata.name=web", true],
  ["spec.nodeName=", true],
  ["spec.nodeName!=", false],
])("%p → %p", (sel, want) => {
  expect(matchesFields(parseFieldSelector(sel), get)).toBe(want);
});

test("escapes in values", () => {
  expect(parseFieldSelector("a=x\\,y,b!=z")).toEqual([
    { field: "a", operator: "=", value: "x,y" },
    { field: "b", operator: "!=", value: "z" },
  ]);
});

test("malformed and unsupported selectors are 400s", () => {
  expect(() => parseFieldSelector("justaword")).toThrow(/invalid selector/);
  expect(() => checkFieldsSupported(parseFieldSelector("spec.foo=1"), new Set(["metadata.name"]))).toThrow("field label not supported: spec.foo");
});

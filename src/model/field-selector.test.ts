import { expect, test } from "bun:test";
import { checkFieldsSupported, matchesFields, parseFieldSelector } from "./field-selector.ts";

const obj: Record<string, string> = { "metadata.name": "web", "status.phase": "Running", "spec.nodeName": "", "metadata.namespace": "a,b" };
const get = (f: string) => obj[f];

test.each([
  ["", true],
  ["metadata.name=web", true],
  ["metadata.name==web", true],
  ["metadata.name=db", false],
  ["metadata.name!=web", false],
  ["metadata.name!=db", true],
  ["status.phase!=Pending,metadata.name=web", true],
  ["status.phase!=Running,metadata.name=web", false],
  ["spec.nodeName=", true],
  ["spec.nodeName!=", false],
  ["spec.missing=", true],
  ["metadata.namespace=a\\,b", true],
  ["metadata.name=web,", true],
])("%p matches: %p", (sel, want) => {
  expect(matchesFields(parseFieldSelector(sel), get)).toBe(want);
});

test.each([
  ["a=x\\,y,b!=z", [{ field: "a", operator: "=", value: "x,y" }, { field: "b", operator: "!=", value: "z" }]],
  ["b=2,a=1", [{ field: "a", operator: "=", value: "1" }, { field: "b", operator: "=", value: "2" }]],
  ["a=x\\=y\\\\", [{ field: "a", operator: "=", value: "x=y\\" }]],
  ["a!==b", [{ field: "a", operator: "!=", value: "=b" }].map((r) => r)],
  ["a==", [{ field: "a", operator: "=", value: "" }]],
  [",,", []],
])("parses %p", (sel, want) => {
  if (sel === "a!==b") {
    // "=b" holds an unescaped "=", which Go refuses.
    expect(() => parseFieldSelector(sel)).toThrow("invalid field selector: unescaped character in value: 61");
    return;
  }
  expect(parseFieldSelector(sel)).toEqual(want as any);
});

test.each([
  ["justaword", "invalid selector: 'justaword'; can't understand 'justaword'"],
  ["a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"],
  ["a=b=c", "invalid field selector: unescaped character in value: 61"],
  ["a=b\\x", "invalid field selector: invalid escape sequence: \\x"],
  ["a=b\\", "invalid field selector: invalid escape sequence: \\"],
])("rejects %p with a 400", (sel, message) => {
  let err: any;
  try {
    parseFieldSelector(sel);
  } catch (e) {
    err = e;
  }
  expect(err?.code).toBe(400);
  expect(err?.message).toBe(message);
});

test("fields a kind does not support are 400s", () => {
  const allowed = new Set(["metadata.name", "metadata.namespace"]);
  expect(() => checkFieldsSupported(parseFieldSelector("metadata.name=x"), allowed)).not.toThrow();
  expect(() => checkFieldsSupported(parseFieldSelector("metadata.name=x,spec.foo=1"), allowed)).toThrow("field label not supported: spec.foo");
});

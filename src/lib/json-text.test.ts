import { expect, test } from "bun:test";
import { closingQuote, memberText } from "./json-text.ts";

test("a member's value is copied out as written, whatever it holds", () => {
  const obj = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web",
      annotations: { note: 'say "hi" \\ {not a brace} [nor this]', empty: "" },
      managedFields: [{ manager: "m", fieldsV1: { "f:spec": { 'k:{"name":"web"}': { ".": {} } } } }],
      generation: 3,
      deleted: null,
      flags: [true, false, 1.5e-7, -2],
    },
    spec: { containers: [] },
    status: "last",
  };
  const json = JSON.stringify(obj);
  for (const [name, value] of Object.entries(obj)) expect(memberText(json, name)).toBe(JSON.stringify(value));
  expect(JSON.parse(memberText(json, "metadata")!)).toEqual(obj.metadata);
});

test("numbers, literals and strings at the top level, and whitespace around them", () => {
  const json = ' { "a" : 12 , "b":true,"c" : null , "d": "x\\"y" , "e" : { } } ';
  expect(memberText(json, "a")).toBe("12");
  expect(memberText(json, "b")).toBe("true");
  expect(memberText(json, "c")).toBe("null");
  expect(memberText(json, "d")).toBe('"x\\"y"');
  expect(memberText(json, "e")).toBe("{ }");
});

test("no such member, a key that only starts with the name, or not an object", () => {
  expect(memberText('{"metadataX":1,"meta":2}', "metadata")).toBeUndefined();
  expect(memberText('{"metadataX":1,"metadata":2}', "metadata")).toBe("2");
  expect(memberText("{}", "metadata")).toBeUndefined();
  expect(memberText("[1,2]", "metadata")).toBeUndefined();
  expect(memberText('"metadata"', "metadata")).toBeUndefined();
  expect(memberText("", "metadata")).toBeUndefined();
});

test("a key is matched on its text, not inside a string value", () => {
  expect(memberText('{"a":"\\"metadata\\":1","metadata":{"x":"}"}}', "metadata")).toBe('{"x":"}"}');
});

test("closing quotes after escaped backslashes", () => {
  expect(closingQuote('"a\\\\"b', 0)).toBe(4);
  expect(closingQuote('"a\\"b"', 0)).toBe(5);
  expect(closingQuote('"unterminated', 0)).toBe(13);
});

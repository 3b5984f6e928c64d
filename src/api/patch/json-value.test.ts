import { describe, expect, test } from "bun:test";
import { deepClone, encodedSize, nestedDeeperThan, type JsonValue } from "./json-value.ts";

/** `{ a: { a: … {} } }` with `levels` maps below the top one. */
function chain(levels: number): JsonValue {
  const root: Record<string, JsonValue> = {};
  let at = root;
  for (let i = 0; i < levels; i++) at = (at.a = {}) as Record<string, JsonValue>;
  return root;
}

describe("deepClone", () => {
  test("copies every level and shares nothing", () => {
    const v = { a: [1, { b: "x" }, null], c: { d: true } };
    const c = deepClone(v);
    expect(c).toEqual(v);
    expect(c.a).not.toBe(v.a);
    expect(c.a[1]).not.toBe(v.a[1]);
    expect(c.c).not.toBe(v.c);
  });

  test("a __proto__ member stays data", () => {
    const c = deepClone(JSON.parse('{"__proto__":{"x":1}}'));
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(Object.keys(c)).toEqual(["__proto__"]);
  });

  test("copies an object nested 100,000 deep (a recursive copy overflows the stack)", () => {
    const c = deepClone(chain(100_000));
    expect(nestedDeeperThan(c, 99_999)).toBe(true);
    expect(nestedDeeperThan(c, 100_000)).toBe(false);
  });
});

describe("nestedDeeperThan counts as the request decoder does (top level is 0)", () => {
  test.each<[string, JsonValue, number, boolean]>([
    ["a scalar", "x", 0, false],
    ["an empty map at the limit 0", {}, 0, false],
    ["a map in a map past the limit 0", { a: {} }, 0, true],
    ["a list of maps at the limit 1", [{}, {}], 1, false],
    ["scalars add no level", { a: { b: 1 } }, 1, false],
    ["100 levels below the top at the limit 100", chain(100), 100, false],
    ["101 levels below the top past the limit 100", chain(101), 100, true],
  ])("%s", (_name, v, max, deeper) => {
    expect(nestedDeeperThan(v, max)).toBe(deeper);
  });
});

describe("encodedSize is the length of Go's compact JSON encoding", () => {
  test.each<[string, JsonValue, number]>([
    ["a string", "abc", 5],
    ["null, booleans and numbers", [null, true, false, 12, -1.5], 25],
    ["an empty map and list", { a: {}, b: [] }, 15],
    ["a map with two members", { a: 1, bc: "d" }, 16],
    ["quotes and backslashes escaped", 'a"b\\', 8],
    ["a newline escaped", "a\nb", 6],
    ["non-ASCII as UTF-8 bytes", "é€", 7],
    ["<, > and & escaped for HTML as Go does", "<&>", 20],
    ["U+2028 escaped as Go does", "\u2028", 8],
  ])("%s", (_name, v, size) => {
    expect(encodedSize(v)).toBe(size);
  });

  test("matches JSON.stringify where Go and JavaScript agree", () => {
    const v = { metadata: { name: "p", labels: { app: "web" } }, spec: { containers: [{ name: "a", ports: [{ containerPort: 80 }] }] } };
    expect(encodedSize(v)).toBe(JSON.stringify(v).length);
  });
});

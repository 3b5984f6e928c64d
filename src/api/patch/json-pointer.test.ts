import { describe, expect, test } from "bun:test";
import { escapeToken, parseIndex, parsePointer } from "./json-pointer.ts";

describe("parsePointer", () => {
  test.each([
    ["", []],
    ["/", [""]],
    ["/a/b", ["a", "b"]],
    ["/metadata/annotations/a~1b", ["metadata", "annotations", "a/b"]],
    ["/m~0n", ["m~n"]],
    ["/~01", ["~1"]],
    ["/a/-", ["a", "-"]],
  ])("%j", (pointer, tokens) => {
    expect(parsePointer(pointer)).toEqual(tokens);
  });

  test("rejects a pointer without a leading slash", () => {
    expect(parsePointer("a/b")).toBeUndefined();
  });
});

test.each([
  ["a/b", "a~1b"],
  ["m~n", "m~0n"],
  ["~/", "~0~1"],
])("escapeToken(%j) round-trips", (raw, escaped) => {
  expect(escapeToken(raw)).toBe(escaped);
  expect(parsePointer("/" + escaped)).toEqual([raw]);
});

test.each([
  ["0", 0],
  ["12", 12],
  ["01", undefined],
  ["-1", undefined],
  ["-", undefined],
  ["1e2", undefined],
])("parseIndex(%j) = %p", (token, index) => {
  expect(parseIndex(token)).toBe(index as number | undefined);
});

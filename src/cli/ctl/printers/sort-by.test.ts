import { expect, test } from "bun:test";
import { naturalLess, sortOrder } from "./sort-by.ts";

const obj = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, ...extra });

test("strings in natural order, numbers by value", () => {
  const items = [obj("pod-10"), obj("pod-2"), obj("pod-1")];
  expect(sortOrder(items, ".metadata.name")).toEqual([2, 1, 0]);
  const n = [obj("a", { spec: { replicas: 10 } }), obj("b", { spec: { replicas: 9 } })];
  expect(sortOrder(n, "{.spec.replicas}")).toEqual([1, 0]);
});

test("objects without the field first, in reverse order (kubectl's sort); none having it is undefined", () => {
  const items = [obj("m1"), obj("x", { data: { k: "b" } }), obj("m2"), obj("y", { data: { k: "a" } })];
  expect(sortOrder(items, ".data.k")).toEqual([2, 0, 3, 1]);
  expect(sortOrder(items, ".metadata.nope")).toBeUndefined();
});

test.each([
  ["a2", "a10", true],
  ["a10", "a2", false],
  ["a02", "a2", false],
  ["a2", "a02", true],
  ["a", "ab", true],
  ["1", "a", true],
  ["b", "a", false],
])("naturalLess(%p, %p) = %p", (a, b, want) => {
  expect(naturalLess(a, b)).toBe(want);
});

import { expect, test } from "bun:test";
import { sortOrder } from "./sort-by.ts";

const obj = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, ...extra });

test("strings byte by byte, as kubectl 1.32 sorts them (not in natural order); numbers by value", () => {
  const items = [obj("pod-2"), obj("pod-10"), obj("pod-1")];
  expect(sortOrder(items, ".metadata.name")).toEqual([2, 1, 0]);
  const hashed = [obj("web-7b4cd47b67-7wrdw"), obj("web-7b4cd47b67-42rcc")];
  expect(sortOrder(hashed, ".metadata.name")).toEqual([1, 0]);
  const n = [obj("a", { spec: { replicas: 10 } }), obj("b", { spec: { replicas: 9 } })];
  expect(sortOrder(n, "{.spec.replicas}")).toEqual([1, 0]);
});

test("objects without the field first, in reverse order (kubectl's sort); none having it is undefined", () => {
  const items = [obj("m1"), obj("x", { data: { k: "b" } }), obj("m2"), obj("y", { data: { k: "a" } })];
  expect(sortOrder(items, ".data.k")).toEqual([2, 0, 3, 1]);
  expect(sortOrder(items, ".metadata.nope")).toBeUndefined();
});

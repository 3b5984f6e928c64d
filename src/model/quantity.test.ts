import { expect, test } from "bun:test";
import { Quantity, isQuantity } from "./quantity.ts";

test.each([
  ["100m", 100n],
  ["1", 1000n],
  ["1.5", 1500n],
  ["0.1", 100n],
  ["2k", 2_000_000n],
  ["1Ki", 1_024_000n],
  ["128Mi", 134_217_728_000n],
  ["1G", 1_000_000_000_000n],
  ["2e3", 2_000_000n],
  ["1n", 1n],
  ["-1", -1000n],
  [3, 3000n],
])("%p is %p millis", (input, millis) => {
  expect(Quantity.parse(input).milli()).toBe(millis);
});

test("values round up, sums and comparisons are exact", () => {
  expect(Quantity.parse("100m").value()).toBe(1n);
  expect(Quantity.parse("1Gi").value()).toBe(1073741824n);
  expect(Quantity.parse("250m").add(Quantity.parse("750m")).cmp(Quantity.parse("1"))).toBe(0);
  expect(Quantity.parse("1Mi").cmp(Quantity.parse("1M"))).toBe(1);
});

test.each(["", "abc", "1.2.3", "1Qi", "m", "1e", "--1"])("rejects %p", (s) => {
  expect(isQuantity(s)).toBe(false);
  expect(() => Quantity.parse(s)).toThrow(/quantities must match/);
});

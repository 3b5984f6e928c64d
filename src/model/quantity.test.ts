import { expect, test } from "bun:test";
import { Quantity, isQuantity, parseQuantity } from "./quantity.ts";

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
  ["1500u", 2n],
  ["-1", -1000n],
  ["-1n", -1n],
  [" 3 ", 3000n],
  [3, 3000n],
  [0.25, 250n],
])("%p is %p millis", (input, millis) => {
  expect(parseQuantity(input).milli()).toBe(millis);
});

test.each([
  ["100m", 1n],
  ["1Gi", 1073741824n],
  ["1.2", 2n],
  ["-1.2", -2n],
  ["0", 0n],
])("value(%p) is %p, rounded away from zero", (input, value) => {
  expect(parseQuantity(input).value()).toBe(value);
});

test.each([
  ["0", "0"],
  ["-0", "0"],
  ["00", "0"],
  ["100m", "100m"],
  ["1500m", "1500m"],
  ["1000m", "1"],
  ["1.5", "1500m"],
  ["0.5", "500m"],
  ["1000", "1k"],
  ["1200", "1200"],
  ["10", "10"],
  ["1.5k", "1500"],
  ["1500k", "1500k"],
  ["1000k", "1M"],
  ["1024Mi", "1Gi"],
  ["1Ki", "1Ki"],
  ["8Ki", "8Ki"],
  ["2048", "2048"],
  ["1536Mi", "1536Mi"],
  ["512Ki", "512Ki"],
  ["1023Ki", "1023Ki"],
  ["0.5Gi", "512Mi"],
  ["0.5Ki", "512"],
  ["1.5Ki", "1536"],
  ["1e3", "1e3"],
  ["1000e3", "1e6"],
  ["1.5e3", "1500"],
  ["1e-1", "100e-3"],
  ["1e-10", "1e-9"],
  ["0.0000000001", "1n"],
  ["1u", "1u"],
  ["100Gi", "100Gi"],
  ["-100m", "-100m"],
  ["-1.5", "-1500m"],
  ["1.500", "1.500"], // Go reuses text its fast path finds canonical
  ["+1", "+1"],
  ["m", "0"],
])("%p prints as %p", (input, printed) => {
  expect(parseQuantity(input).toString()).toBe(printed);
});

test("sums and comparisons are exact and keep the format", () => {
  expect(parseQuantity("250m").add(parseQuantity("750m")).cmp(parseQuantity("1"))).toBe(0);
  expect(parseQuantity("1Mi").cmp(parseQuantity("1M"))).toBe(1);
  expect(parseQuantity("1M").cmp(parseQuantity("1Mi"))).toBe(-1);
  expect(parseQuantity("512Mi").add(parseQuantity("512Mi")).toString()).toBe("1Gi");
  expect(Quantity.zero().add(parseQuantity("1Gi")).toString()).toBe("1Gi");
  expect(parseQuantity("100m").add(parseQuantity("0.9")).toString()).toBe("1");
  expect(parseQuantity("1").sub(parseQuantity("250m")).toString()).toBe("750m");
  expect(Quantity.fromMillis(2500n).toString()).toBe("2500m");
  expect(Quantity.fromValue(4n * 1024n * 1024n * 1024n, "BinarySI").toString()).toBe("4Gi");
  expect(JSON.stringify({ cpu: parseQuantity("1.5") })).toBe('{"cpu":"1500m"}');
});

test.each([
  ["", "quantities must match the regular expression"],
  ["abc", "quantities must match the regular expression"],
  ["1.2.3", "quantities must match the regular expression"],
  ["1Qi", "quantities must match the regular expression"],
  ["1 Gi", "quantities must match the regular expression"],
  ["1e", "unable to parse quantity's suffix"],
  ["1KK", "unable to parse quantity's suffix"],
  ["--1", "unable to parse quantity's suffix"],
  ["1e99999", "unable to parse quantity's suffix"],
])("rejects %p", (s, message) => {
  expect(isQuantity(s)).toBe(false);
  let err: any;
  try {
    parseQuantity(s);
  } catch (e) {
    err = e;
  }
  expect(err?.code).toBe(400);
  expect(err?.message).toContain(message);
});

test("isQuantity refuses non-strings", () => {
  expect(isQuantity(undefined)).toBe(false);
  expect(isQuantity({})).toBe(false);
  expect(isQuantity("2Gi")).toBe(true);
});

test("a text is parsed once and its quantity shared; an invalid one throws every time; what is kept stays bounded", () => {
  const a = Quantity.parse("128Mi");
  expect(Quantity.parse("128Mi")).toBe(a);
  expect(a.toString()).toBe("128Mi");
  expect(Quantity.parse(1.5)).toBe(Quantity.parse("1.5"));
  for (let i = 0; i < 2; i++) expect(() => Quantity.parse("12x")).toThrow();
  // Past the bound the remembered texts are dropped: a text parsed before is parsed anew.
  for (let i = 0; i < 5000; i++) Quantity.parse(`${i}m`);
  const again = Quantity.parse("128Mi");
  expect(again).not.toBe(a);
  expect(again.cmp(a)).toBe(0);
});

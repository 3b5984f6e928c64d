import { expect, test } from "bun:test";
import { formatLabelSelector, formatLabels, selectorString } from "./format.ts";

test.each([
  ["a string", "garbage"],
  ["matchLabels a string", { matchLabels: "app=web" }],
  ["values a string", { matchExpressions: [{ key: "a", operator: "In", values: "x" }] }],
])("a selector stored as %s prints as <error>, not as a string's characters", (_, sel) => {
  expect(selectorString(sel as any)).toBeUndefined();
  expect(formatLabelSelector(sel as any)).toBe("<error>");
});

test("labels stored as a string or a list print as <none>", () => {
  expect(formatLabels("app=web" as any)).toBe("<none>");
  expect(formatLabels(["a"] as any)).toBe("<none>");
});

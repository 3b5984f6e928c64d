import { expect, test } from "bun:test";
import { fromLabelSelector, labelSelectorMatches, matchesRequirements, parseLabelSelector, selectorToString } from "./label-selector.ts";
import { StatusError } from "./errors.ts";

const labels = { app: "web", tier: "front", "example.com/team": "a" };

test.each([
  ["", true],
  ["app=web", true],
  ["app==web", true],
  ["app=db", false],
  ["app!=db", true],
  ["missing!=x", true],
  ["app in (web,db)", true],
  ["app in (db)", false],
  ["app notin (db)", true],
  ["missing notin (db)", true],
  ["tier", true],
  ["missing", false],
  ["!missing", true],
  ["!tier", false],
  ["app=web,tier=front", true],
  ["app=web, tier=back", false],
  ["example.com/team=a", true],
])("%p matches %p", (sel, want) => {
  expect(matchesRequirements(parseLabelSelector(sel), labels)).toBe(want);
});

test.each(["app=we b", "app in ()", "=x", "app in (a", "a b c", "Bad Key=1", "app=-x"])("rejects %p with a 400", (sel) => {
  let err: unknown;
  try {
    parseLabelSelector(sel);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StatusError);
  expect((err as StatusError).code).toBe(400);
});

test("structured selectors", () => {
  const sel = { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }, { key: "gone", operator: "DoesNotExist" }] };
  expect(labelSelectorMatches(sel, labels)).toBe(true);
  expect(labelSelectorMatches(sel, { app: "web", tier: "x" })).toBe(false);
  expect(selectorToString(sel)).toBe("app=web,!gone,tier in (back,front)");
  expect(selectorToString({ matchLabels: { b: "2", a: "1" } })).toBe("a=1,b=2");
  expect(fromLabelSelector(null)).toEqual([]);
  expect(() => fromLabelSelector({ matchExpressions: [{ key: "a", operator: "Near" }] })).toThrow();
});

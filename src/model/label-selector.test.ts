import { expect, test } from "bun:test";
import { fromLabelSelector, labelSelectorMatches, matchesRequirements, parseLabelSelector, requirementsToString, selectorToString } from "./label-selector.ts";
import { StatusError } from "./errors.ts";

const labels = { app: "web", tier: "front", "example.com/team": "a", empty: "" };

test.each([
  ["", true],
  ["   ", true],
  ["app=web", true],
  ["app==web", true],
  ["app = web", true],
  ["app=db", false],
  ["app!=db", true],
  ["app!=web", false],
  ["missing!=x", true],
  ["app in (web,db)", true],
  ["app in(db)", false],
  ["app notin (db)", true],
  ["app notin (web)", false],
  ["missing notin (db)", true],
  ["missing in (db)", false],
  ["tier", true],
  ["missing", false],
  ["!missing", true],
  ["!tier", false],
  ["app=web,tier=front", true],
  ["app=web, tier=back", false],
  ["example.com/team=a", true],
  ["empty=", true],
  ["empty in ()", true],
  ["empty in (,x)", true],
  ["app in (in,notin)", false],
  ["in=x", false],
])("%p matches: %p", (sel, want) => {
  expect(matchesRequirements(parseLabelSelector(sel), labels)).toBe(want);
});

test.each([
  ["b=2,a=1", [{ key: "a", operator: "=", values: ["1"] }, { key: "b", operator: "=", values: ["2"] }]],
  ["k in (z,a,z)", [{ key: "k", operator: "in", values: ["a", "z"] }]],
  ["!k,j", [{ key: "j", operator: "exists", values: [] }, { key: "k", operator: "!", values: [] }]],
  ["k notin ()", [{ key: "k", operator: "notin", values: [""] }]],
  ["k!=", [{ key: "k", operator: "!=", values: [""] }]],
])("parses %p", (sel, want) => {
  expect(parseLabelSelector(sel)).toEqual(want as any);
});

const VALUE_DETAIL =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test.each([
  ["app=we b", "found 'b', expected: ',' or 'end of string'"],
  ["=x", "found '=', expected: !, identifier, or 'end of string'"],
  ["a,", "found '', expected: identifier after ','"],
  ["a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
  ["app in (a", "unable to parse requirement: found '', expected: ',' or ')'"],
  ["app in a", "unable to parse requirement: found 'a' expected: '('"],
  ["app in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
  ["app=(", "unable to parse requirement: found '(', expected: identifier"],
  ["!=x", "found '!=', expected: !, identifier, or 'end of string'"],
  ["!!x", "unable to parse requirement: found '!', expected: identifier"],
  ["Bad/Key/x=1", "unable to parse requirement: <nil>: Invalid value: \"Bad/Key/x\": a qualified name must consist of"],
  ["app=-x", `unable to parse requirement: values[0][app]: Invalid value: "-x": ${VALUE_DETAIL}`],
  ["app in (-x,-y)", `unable to parse requirement: [values[0][app]: Invalid value: "-x": ${VALUE_DETAIL}, values[1][app]: Invalid value: "-y": ${VALUE_DETAIL}]`],
  ["n>1", "unable to parse requirement: operator 'gt' is not supported"],
])("rejects %p with a 400", (sel, message) => {
  let err: unknown;
  try {
    parseLabelSelector(sel);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StatusError);
  expect((err as StatusError).code).toBe(400);
  expect((err as StatusError).message.startsWith(message)).toBe(true);
});

const structured = {
  matchLabels: { app: "web" },
  matchExpressions: [
    { key: "tier", operator: "In", values: ["front", "back"] },
    { key: "gone", operator: "DoesNotExist" },
  ],
};

test.each([
  [structured, labels, true],
  [structured, { app: "web", tier: "x" }, false],
  [structured, { app: "web", tier: "back", gone: "" }, false],
  [{}, {}, true],
  [null, { a: "b" }, true],
  [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["back"] }] }, labels, true],
  [{ matchExpressions: [{ key: "tier", operator: "Exists" }] }, {}, false],
  [{ matchLabels: { app: "web" } }, undefined, false],
])("labelSelectorMatches(%j, %j) is %p", (sel, l, want) => {
  expect(labelSelectorMatches(sel, l)).toBe(want);
});

test.each([
  [structured, "app=web,!gone,tier in (back,front)"],
  [{ matchLabels: { b: "2", a: "1" } }, "a=1,b=2"],
  [{ matchExpressions: [{ key: "k", operator: "NotIn", values: ["x"] }, { key: "e", operator: "Exists" }] }, "e,k notin (x)"],
  [{}, ""],
  [null, ""],
])("selectorToString(%j) is %p", (sel, want) => {
  expect(selectorToString(sel)).toBe(want);
});

test("a parsed selector prints back in canonical order", () => {
  expect(requirementsToString(parseLabelSelector("z,!y, x notin (b,a),w==1"))).toBe("w=1,x notin (a,b),!y,z");
});

test.each([
  [{ matchExpressions: [{ key: "a", operator: "Near" }] }, '"Near" is not a valid label selector operator'],
  [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }, "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
  [{ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }, 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'],
  [{ matchLabels: { "a b": "x" } }, 'key: Invalid value: "a b": name part must consist of'],
])("fromLabelSelector(%j) is a 400", (sel, message) => {
  let err: unknown;
  try {
    fromLabelSelector(sel);
  } catch (e) {
    err = e;
  }
  expect((err as StatusError)?.code).toBe(400);
  expect((err as StatusError).message.startsWith(message)).toBe(true);
});

test.each([
  ["a string", "garbage"],
  ["matchLabels not a map", { matchLabels: 5 }],
  ["matchLabels a string", { matchLabels: "app=web" }],
  ["matchExpressions not a list", { matchExpressions: "garbage" }],
  ["an expression that is not an object", { matchExpressions: ["x"] }],
  ["values not a list", { matchExpressions: [{ key: "app", operator: "In", values: "web" }] }],
  ["an inherited operator name", { matchExpressions: [{ key: "app", operator: "constructor" }] }],
])("a stored selector of the wrong shape (%s) is refused, never read as everything", (_, sel) => {
  expect(() => fromLabelSelector(sel as any)).toThrow(StatusError);
});

test("labels that are not a map are read as none (a string's indexes are not label keys)", () => {
  expect(matchesRequirements(parseLabelSelector("0=g"), "garbage" as any)).toBe(false);
  expect(matchesRequirements(parseLabelSelector("!app"), "garbage" as any)).toBe(true);
  expect(matchesRequirements(parseLabelSelector("app"), [] as any)).toBe(false);
});

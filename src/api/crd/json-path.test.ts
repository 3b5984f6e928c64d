import { expect, test } from "bun:test";
import { evaluateJsonPath, parseJsonPath } from "./json-path.ts";

const obj = {
  spec: { size: 3, "a.b": "dotted", list: [{ n: 1 }, { n: 2 }] },
  status: { conditions: [{ type: "Ready", status: "True" }, { type: "Synced", status: "False" }] },
};

test.each([
  [".spec.size", [3]],
  ["{.spec.size}", [3]],
  [".spec['a.b']", ["dotted"]],
  [".spec.list[1].n", [2]],
  [".spec.list[-1].n", [2]],
  [".spec.list[*].n", [1, 2]],
  ['.status.conditions[?(@.type=="Ready")].status', ["True"]],
  ['.status.conditions[?(@.type!="Ready")].type', ["Synced"]],
  [".spec.missing", []],
  [".spec.size.deeper", []],
])("%s", (path, want) => {
  const parsed = parseJsonPath(path);
  expect(parsed.error).toBeUndefined();
  expect(evaluateJsonPath(parsed, obj)).toEqual(want);
});

test.each(["spec.size", "", ".spec[", ".spec.size | x"])("%p is refused", (path) => {
  expect(parseJsonPath(path).error).toBeString();
});

import { expect, test } from "bun:test";
import { applyMergePatch } from "./merge-patch.ts";
import { StatusError } from "../../model/errors.ts";
import { deepClone } from "./json-value.ts";

// RFC 7386 appendix A, plus the cases a Kubernetes object meets.
test.each<[string, object, object, object]>([
  ["replace a member", { a: "b" }, { a: "c" }, { a: "c" }],
  ["add a member", { a: "b" }, { b: "c" }, { a: "b", b: "c" }],
  ["null deletes", { a: "b" }, { a: null }, {}],
  ["null deletes one of two", { a: "b", b: "c" }, { a: null }, { b: "c" }],
  ["arrays replace", { a: ["b"] }, { a: "c" }, { a: "c" }],
  ["scalar becomes array", { a: "c" }, { a: ["b"] }, { a: ["b"] }],
  ["nested merge with delete", { a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
  ["array of objects replaces", { a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
  ["null for an absent member is a no-op", { e: null }, { a: 1 }, { e: null, a: 1 }],
  ["nulls inside a new object are dropped", {}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ["array elements keep their nulls", {}, { a: [null, 1] }, { a: [null, 1] }],
  ["scalar becomes object", { a: 1 }, { a: { b: 2, c: null } }, { a: { b: 2 } }],
  ["delete a label", { metadata: { labels: { app: "x", tier: "fe" } } }, { metadata: { labels: { tier: null } } }, { metadata: { labels: { app: "x" } } }],
  ["containers replaced wholesale", { spec: { containers: [{ name: "a" }, { name: "b" }] } }, { spec: { containers: [{ name: "b" }] } }, { spec: { containers: [{ name: "b" }] } }],
  ["empty patch", { a: 1 }, {}, { a: 1 }],
])("%s", (_name, original, patch, expected) => {
  const before = deepClone(original);
  const patchBefore = deepClone(patch);
  expect(applyMergePatch(original, patch)).toEqual(expected as never);
  expect(original).toEqual(before);
  expect(patch).toEqual(patchBefore);
});

test("the result shares nothing with the patch", () => {
  const patch = { a: { b: [1] } };
  const out = applyMergePatch({}, patch) as { a: { b: number[] } };
  out.a.b.push(2);
  expect(patch.a.b).toEqual([1]);
});

test.each([[[1]], ["x"], [null]])("a non-object patch %j is 400 Invalid JSON Patch", (patch) => {
  let err: unknown;
  try {
    applyMergePatch({ a: 1 }, patch);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StatusError);
  expect((err as StatusError).code).toBe(400);
  expect((err as StatusError).message).toBe("Invalid JSON Patch");
});

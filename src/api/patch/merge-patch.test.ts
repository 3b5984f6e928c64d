import { expect, test } from "bun:test";
import { applyMergePatch } from "./merge-patch.ts";
import { StatusError } from "../../model/errors.ts";
import { deepClone } from "./json-value.ts";
import { statusErrorOf } from "../../../test/helpers/status-error.ts";

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

/** `{ a: { a: … {} } }` with `levels` maps below the top one, built without recursion. */
function chain(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 0; i < levels; i++) at = (at.a = {}) as Record<string, unknown>;
  return root;
}

test("an object stored nested past the limit is refused as 422 instead of overflowing the stack", () => {
  const original = { metadata: { name: "p" }, spec: chain(20_000) };
  const err = statusErrorOf(() => applyMergePatch(original, { metadata: { labels: { a: "1" } } }));
  expect(err.code).toBe(422);
  expect(err.details?.causes).toEqual([
    { reason: "FieldValueInvalid", field: "patch", message: "the patched object is nested more than 100 levels deep" },
  ]);
});

test("a patch that prunes the too-deep part of a stored object applies", () => {
  const original = { metadata: { name: "p" }, spec: chain(20_000) };
  expect(applyMergePatch(original, { spec: { a: null } })).toEqual({ metadata: { name: "p" }, spec: {} });
});

test("a patch nested past the limit is 400, as the request decoder answers", () => {
  const err = statusErrorOf(() => applyMergePatch({}, chain(101)));
  expect(err.code).toBe(400);
  expect(err.message).toBe("the body of the request is nested more than 100 levels deep");
});

test("a 100,000-key map merges key by key", () => {
  const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}`);
  const original = { data: Object.fromEntries(keys.map((k) => [k, "v"])) };
  const patch = { data: Object.fromEntries(keys.map((k, i) => [k, i % 2 ? null : "w"])) };
  const out = applyMergePatch(original, patch) as { data: Record<string, string> };
  expect(Object.keys(out.data).length).toBe(50_000);
  expect(out.data.k0).toBe("w");
  expect(out.data.k1).toBeUndefined();
  expect(out.data.k99998).toBe("w");
});

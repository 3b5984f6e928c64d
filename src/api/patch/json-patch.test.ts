import { describe, expect, test } from "bun:test";
import { applyJsonPatch, MAX_OPERATIONS } from "./json-patch.ts";
import { StatusError } from "../../model/errors.ts";
import { deepClone } from "./json-value.ts";

const pod = () => ({
  metadata: { name: "p", labels: { app: "web" }, annotations: { "a/b": "x", "m~n": "y" }, finalizers: ["f1", "f2"] },
  spec: { replicas: 1, containers: [{ name: "a", image: "a:1" }] },
});

describe("applyJsonPatch applies", () => {
  test.each<[string, unknown[], (o: ReturnType<typeof pod>) => unknown]>([
    ["add a member", [{ op: "add", path: "/metadata/labels/tier", value: "fe" }], (o) => {
      o.metadata.labels = { app: "web", tier: "fe" } as typeof o.metadata.labels;
    }],
    ["add replaces an existing member", [{ op: "add", path: "/spec/replicas", value: 3 }], (o) => {
      o.spec.replicas = 3;
    }],
    ["add appends with -", [{ op: "add", path: "/metadata/finalizers/-", value: "f3" }], (o) => {
      o.metadata.finalizers.push("f3");
    }],
    ["add inserts at an index", [{ op: "add", path: "/metadata/finalizers/0", value: "f0" }], (o) => {
      o.metadata.finalizers.unshift("f0");
    }],
    ["add at index == length appends", [{ op: "add", path: "/metadata/finalizers/2", value: "f3" }], (o) => {
      o.metadata.finalizers.push("f3");
    }],
    ["remove a member", [{ op: "remove", path: "/metadata/labels/app" }], (o) => {
      o.metadata.labels = {} as typeof o.metadata.labels;
    }],
    ["remove an element", [{ op: "remove", path: "/metadata/finalizers/0" }], (o) => {
      o.metadata.finalizers = ["f2"];
    }],
    ["~1 addresses a slash", [{ op: "remove", path: "/metadata/annotations/a~1b" }], (o) => {
      o.metadata.annotations = { "m~n": "y" } as typeof o.metadata.annotations;
    }],
    ["~0 addresses a tilde", [{ op: "replace", path: "/metadata/annotations/m~0n", value: "z" }], (o) => {
      o.metadata.annotations["m~n"] = "z";
    }],
    ["replace a nested value", [{ op: "replace", path: "/spec/containers/0/image", value: "a:2" }], (o) => {
      o.spec.containers[0]!.image = "a:2";
    }],
    ["move", [{ op: "move", from: "/metadata/labels/app", path: "/metadata/labels/name" }], (o) => {
      o.metadata.labels = { name: "web" } as unknown as typeof o.metadata.labels;
    }],
    ["copy deep-copies", [
      { op: "copy", from: "/spec/containers/0", path: "/spec/containers/-" },
      { op: "replace", path: "/spec/containers/1/name", value: "b" },
    ], (o) => {
      o.spec.containers.push({ name: "b", image: "a:1" });
    }],
    ["test then replace", [
      { op: "test", path: "/spec/replicas", value: 1 },
      { op: "replace", path: "/spec/replicas", value: 5 },
    ], (o) => {
      o.spec.replicas = 5;
    }],
    ["test of an object ignores key order", [
      { op: "test", path: "/spec/containers/0", value: { image: "a:1", name: "a" } },
    ], () => {}],
    ["test of an absent member against null passes (as evanphx/json-patch)", [
      { op: "test", path: "/metadata/labels/missing", value: null },
    ], () => {}],
    ["empty patch", [], () => {}],
  ])("%s", (_name, patch, mutate) => {
    const original = pod();
    const before = deepClone(original);
    const expected = pod();
    mutate(expected);
    expect(applyJsonPatch(original, patch)).toEqual(expected as never);
    expect(original).toEqual(before); // never mutates the input
  });

  test("replace of the root replaces the document", () => {
    expect(applyJsonPatch(pod(), [{ op: "replace", path: "", value: { a: 1 } }])).toEqual({ a: 1 });
  });

  test("a __proto__ member is data, not a prototype", () => {
    const out = applyJsonPatch({ m: {} }, JSON.parse('[{"op":"add","path":"/m/__proto__","value":{"x":1}}]'));
    expect(Object.getPrototypeOf(out.m)).toBe(Object.prototype);
    expect(Object.keys(out.m as object)).toEqual(["__proto__"]);
  });
});

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error("expected a StatusError");
}

describe("applyJsonPatch rejects with 422 Invalid", () => {
  test.each<[string, unknown[], string]>([
    ["a failing test", [{ op: "test", path: "/spec/replicas", value: 2 }], "testing value /spec/replicas failed: test failed"],
    ["a test of a missing path with a value", [{ op: "test", path: "/metadata/labels/x", value: "y" }], "testing value /metadata/labels/x failed: test failed"],
    ["a test under a missing parent", [{ op: "test", path: "/nope/x", value: 1 }], "test operation does not apply: is missing path: /nope/x: missing value"],
    ["remove of a missing key", [{ op: "remove", path: "/metadata/labels/x" }], "Unable to remove nonexistent key: x: missing value"],
    ["remove under a missing parent", [{ op: "remove", path: "/status/phase" }], 'remove operation does not apply: doc is missing path: "/status/phase": missing value'],
    ["remove out of range", [{ op: "remove", path: "/metadata/finalizers/5" }], "Unable to access invalid index: 5: invalid index referenced"],
    ["replace of a missing key", [{ op: "replace", path: "/spec/paused", value: true }], "replace operation does not apply: doc is missing key: /spec/paused: missing value"],
    ["add under a missing parent", [{ op: "add", path: "/status/phase", value: "x" }], 'add operation does not apply: doc is missing path: "/status/phase": missing value'],
    ["add past the end", [{ op: "add", path: "/metadata/finalizers/3", value: "x" }], "Unable to access invalid index: 3: invalid index referenced"],
    ["add with a bad index", [{ op: "add", path: "/metadata/finalizers/01", value: "x" }], "Unable to access invalid index: 01: invalid index referenced"],
    ["add without value", [{ op: "add", path: "/spec/x" }], "add operation, missing value field: missing value"],
    ["an op without path", [{ op: "remove" }], "remove operation failed to decode path: missing value"],
    ["a path that is no pointer", [{ op: "remove", path: "spec" }], 'remove operation failed to decode path: invalid JSON pointer "spec"'],
    ["move from a missing path", [{ op: "move", from: "/x", path: "/y" }], "move operation does not apply: doc is missing from path: /x: missing value"],
    ["move into its own child", [{ op: "move", from: "/spec", path: "/spec/x" }], "move operation does not apply: cannot move /spec into its own child /spec/x"],
    ["copy from a missing path", [{ op: "copy", from: "/x", path: "/y" }], "copy operation does not apply: doc is missing from path: /x: missing value"],
    ["an unknown op", [{ op: "frobnicate", path: "/x" }], "Unexpected kind: frobnicate"],
    ["a non-object result", [{ op: "replace", path: "", value: [1] }], "the patched document is not a JSON object"],
  ])("%s", (_name, patch, detail) => {
    const original = pod();
    const before = deepClone(original);
    const err = failure(() => applyJsonPatch(original, patch));
    expect(err.code).toBe(422);
    expect(err.reason).toBe("Invalid");
    expect(err.message).toBe("the server rejected our request due to an error in our request");
    expect(err.details?.causes).toEqual([{ reason: "FieldValueInvalid", field: "patch", message: detail }]);
    expect(original).toEqual(before);
  });

  test("a later failing op leaves the input untouched", () => {
    const original = pod();
    const before = deepClone(original);
    failure(() => applyJsonPatch(original, [{ op: "remove", path: "/spec" }, { op: "test", path: "/spec", value: 1 }]));
    expect(original).toEqual(before);
  });
});

describe("applyJsonPatch rejects malformed bodies", () => {
  test.each<[string, unknown, number]>([
    ["an object body", { op: "add" }, 400],
    ["a non-object op", ["add"], 400],
    ["too many operations", Array.from({ length: MAX_OPERATIONS + 1 }, () => ({ op: "test", path: "", value: null })), 413],
  ])("%s", (_name, body, code) => {
    expect(failure(() => applyJsonPatch(pod(), body)).code).toBe(code);
  });
});

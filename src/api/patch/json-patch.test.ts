import { describe, expect, test } from "bun:test";
import { applyJsonPatch, MAX_OPERATIONS } from "./json-patch.ts";
import { StatusError } from "../../model/errors.ts";
import { deepClone } from "./json-value.ts";
import { statusErrorOf } from "../../../test/helpers/status-error.ts";

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
    const err = statusErrorOf(() => applyJsonPatch(original, patch));
    expect(err.code).toBe(422);
    expect(err.reason).toBe("Invalid");
    expect(err.message).toBe("the server rejected our request due to an error in our request");
    expect(err.details?.causes).toEqual([{ reason: "FieldValueInvalid", field: "patch", message: detail }]);
    expect(original).toEqual(before);
  });

  test("a later failing op leaves the input untouched", () => {
    const original = pod();
    const before = deepClone(original);
    statusErrorOf(() => applyJsonPatch(original, [{ op: "remove", path: "/spec" }, { op: "test", path: "/spec", value: 1 }]));
    expect(original).toEqual(before);
  });
});

describe("applyJsonPatch rejects malformed bodies", () => {
  test.each<[string, unknown, number]>([
    ["an object body", { op: "add" }, 400],
    ["a non-object op", ["add"], 400],
    ["too many operations", Array.from({ length: MAX_OPERATIONS + 1 }, () => ({ op: "test", path: "", value: null })), 413],
  ])("%s", (_name, body, code) => {
    expect(statusErrorOf(() => applyJsonPatch(pod(), body)).code).toBe(code);
  });

  test("too many operations is 413 in the apiserver's words", () => {
    const ops = Array.from({ length: MAX_OPERATIONS + 1 }, () => ({ op: "test", path: "", value: null }));
    const err = statusErrorOf(() => applyJsonPatch(pod(), ops));
    expect(err.reason).toBe("RequestEntityTooLarge");
    expect(err.message).toBe("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
  });
});

describe("applyJsonPatch bounds what one patch can build", () => {
  const MiB = 1024 * 1024;
  // A string whose JSON encoding (with its quotes) is exactly 1 MiB: each copy adds 1 MiB.
  const big = () => ({ data: { a: "x".repeat(MiB - 2) } });
  const copies = (n: number) => Array.from({ length: n }, (_, i) => ({ op: "copy", from: "/data/a", path: `/data/c${i}` }));

  test("copies may add up to the apiserver's 3 MiB in all", () => {
    const out = applyJsonPatch(big(), copies(3)) as { data: Record<string, string> };
    expect(Object.keys(out.data)).toEqual(["a", "c0", "c1", "c2"]);
    expect(out.data.c2).toBe(big().data.a);
  });

  test("a copy past 3 MiB accumulated is 422 with evanphx/json-patch's message", () => {
    const original = big();
    const err = statusErrorOf(() => applyJsonPatch(original, copies(4)));
    expect(err.code).toBe(422);
    expect(err.reason).toBe("Invalid");
    expect(err.details?.causes).toEqual([{
      reason: "FieldValueInvalid",
      field: "patch",
      message: "Unable to complete the copy, the accumulated size increase of copy is 4194304, exceeding the limit 3145728",
    }]);
    expect(Object.keys(original.data)).toEqual(["a"]);
  });

  test("doubling the document by copying it into itself stops at the limit", () => {
    const ops = [
      { op: "add", path: "/spec/copies", value: [] },
      ...Array.from({ length: 40 }, () => ({ op: "copy", from: "/spec", path: "/spec/copies/-" })),
    ];
    const err = statusErrorOf(() => applyJsonPatch(pod(), ops));
    expect(err.code).toBe(422);
    expect(err.details?.causes?.[0]?.message).toStartWith("Unable to complete the copy, the accumulated size increase of copy is ");
  });

  test("a copy to a missing destination fails as a missing path, before it is counted", () => {
    const err = statusErrorOf(() => applyJsonPatch(big(), [...copies(3), { op: "copy", from: "/data/a", path: "/nope/x" }]));
    expect(err.details?.causes?.[0]?.message).toBe('add operation does not apply: doc is missing path: "/nope/x": missing value');
  });

  const chain = (levels: number): unknown => (levels === 0 ? {} : { a: chain(levels - 1) });

  test("values added into values may not nest the object past 100 levels (422)", () => {
    // Each value is within the body's limit; together they nest 2 + 60 + 60 levels.
    const ops = [
      { op: "add", path: "/spec/deep", value: chain(60) },
      { op: "add", path: "/spec/deep" + "/a".repeat(60) + "/more", value: chain(60) },
    ];
    const err = statusErrorOf(() => applyJsonPatch(pod(), ops));
    expect(err.code).toBe(422);
    expect(err.details?.causes).toEqual([
      { reason: "FieldValueInvalid", field: "patch", message: "the patched object is nested more than 100 levels deep" },
    ]);
  });

  test("nesting up to the limit is allowed", () => {
    const out = applyJsonPatch(pod(), [{ op: "add", path: "/spec/deep", value: chain(98) }]);
    expect((out.spec as { deep: unknown }).deep).toEqual(chain(98));
  });

  test("a body nested past the limit is 400, as the request decoder answers", () => {
    const err = statusErrorOf(() => applyJsonPatch(pod(), [{ op: "add", path: "/spec/deep", value: chain(100) }]));
    expect(err.code).toBe(400);
    expect(err.message).toBe("the body of the request is nested more than 100 levels deep");
  });

  test("10,000 operations (the most allowed) apply in order", () => {
    const ops = Array.from({ length: MAX_OPERATIONS }, (_, i) => ({ op: "add", path: "/metadata/finalizers/-", value: `x${i}` }));
    const out = applyJsonPatch(pod(), ops) as ReturnType<typeof pod>;
    expect(out.metadata.finalizers.length).toBe(MAX_OPERATIONS + 2);
    expect(out.metadata.finalizers.slice(0, 3)).toEqual(["f1", "f2", "x0"]);
    expect(out.metadata.finalizers.at(-1)).toBe(`x${MAX_OPERATIONS - 1}`);
  });
});

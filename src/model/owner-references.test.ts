import { expect, test } from "bun:test";
import type { KubeObject } from "./object.ts";
import { controllerRefOf, ownerReferencesOf } from "./owner-references.ts";

const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u1", controller: true };
const obj = (ownerReferences: unknown) => ({ metadata: { name: "p", ownerReferences } }) as unknown as KubeObject;

test.each([
  ["absent", undefined, []],
  ["a string", "garbage", []],
  ["a number", 5, []],
  ["an object", { uid: "u1" }, []],
  ["well-formed", [ref], [ref]],
  ["with malformed entries", [null, "x", { uid: 7, kind: "ReplicaSet", name: "rs" }, { kind: "ReplicaSet", name: "rs" }, ref], [ref]],
])("ownerReferences %s", (_, refs, want) => {
  expect(ownerReferencesOf(obj(refs))).toEqual(want as any);
});

test("the controller reference, when one can be read", () => {
  expect(controllerRefOf(obj([{ ...ref, controller: false }, ref]))).toEqual(ref);
  expect(controllerRefOf(obj("garbage"))).toBeUndefined();
  expect(controllerRefOf({ metadata: "garbage" } as unknown as KubeObject)).toBeUndefined();
});

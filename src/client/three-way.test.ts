import { expect, test } from "bun:test";
import { threeWayMergePatch } from "./three-way.ts";

test.each([
  ["nothing changed", { a: 1 }, { a: 1 }, { a: 1, server: "x" }, {}],
  ["a changed field is sent", { a: 1 }, { a: 2 }, { a: 1 }, { a: 2 }],
  ["a field dropped from the manifest is deleted", { a: 1, b: 2 }, { a: 1 }, { a: 1, b: 2 }, { b: null }],
  ["a field set by someone else stays", { a: 1 }, { a: 1 }, { a: 1, other: 3 }, {}],
  ["nested objects recurse", { s: { x: 1, y: 2 } }, { s: { x: 1 } }, { s: { x: 1, y: 2, z: 3 } }, { s: { y: null } }],
  ["lists are replaced whole", { l: [1, 2] }, { l: [1] }, { l: [1, 2] }, { l: [1] }],
  ["a live drift is corrected", { a: 1 }, { a: 1 }, { a: 5 }, { a: 1 }],
  ["no previous manifest", undefined, { a: 1 }, { a: 1, b: 2 }, {}],
  ["server defaults inside list elements are not a change", { l: [{ n: "a" }] }, { l: [{ n: "a" }] }, { l: [{ n: "a", pullPolicy: "Always" }] }, {}],
  ["a field dropped from a list element resends the list", { l: [{ n: "a", c: ["x"] }] }, { l: [{ n: "a" }] }, { l: [{ n: "a", c: ["x"], d: 1 }] }, { l: [{ n: "a" }] }],
  ["an unchanged list with server defaults stays out of the patch", { l: [{ n: "a" }], x: 1 }, { l: [{ n: "a" }], x: 2 }, { l: [{ n: "a", d: 1 }], x: 1 }, { x: 2 }],
  ["a changed list element is", { l: [{ n: "a" }] }, { l: [{ n: "b" }] }, { l: [{ n: "a", d: 1 }] }, { l: [{ n: "b" }] }],
])("%s", (_n, original, modified, current, want) => {
  expect(threeWayMergePatch(original as any, modified, current)).toEqual(want);
});

import { expect, test } from "bun:test";
import { mergePatch } from "./edit.ts";

test("the merge patch of an edit: changed, added and removed fields only", () => {
  const from = { metadata: { name: "c", labels: { a: "1", b: "2" } }, data: { k: "v", gone: "x" } };
  const to = { metadata: { name: "c", labels: { a: "1", b: "3", c: "4" } }, data: { k: "v" } };
  expect(mergePatch(from, to)).toEqual({ metadata: { labels: { b: "3", c: "4" } }, data: { gone: null } });
  expect(mergePatch(from, structuredClone(from))).toEqual({});
});

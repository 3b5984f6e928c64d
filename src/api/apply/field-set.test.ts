import { expect, test } from "bun:test";
import { patchSchemaFor } from "../openapi/index.ts";
import { collectFields, itemKey, pathKey, pathText, type FieldSet } from "./field-set.ts";
import { fromFieldsV1, toFieldsV1 } from "./fields-v1.ts";
import { mergeApplied } from "./merge.ts";

const pod = patchSchemaFor("", "v1", "Pod");

function fields(obj: object, mapNodes = false): object {
  const set: FieldSet = new Set();
  collectFields(obj, pod, [], set, mapNodes);
  set.delete(pathKey([]));
  return toFieldsV1(set);
}

test("members: scalars, map entries, keyed items (with '.'), not struct fields holding objects", () => {
  expect(fields({ metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "web", image: "i", args: ["a"] }] } })).toEqual({
    "f:metadata": { "f:labels": { "f:app": {} } },
    "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:args": {}, "f:image": {}, "f:name": {} } } },
  });
});

test("an Update's maps are members themselves", () => {
  expect(fields({ metadata: { labels: { app: "x" } } }, true)).toEqual({ "f:metadata": { "f:labels": { ".": {}, "f:app": {} } } });
});

test("ports are keyed by containerPort and protocol, a missing protocol read as TCP", () => {
  expect(itemKey({ containerPort: 80 }, ["containerPort", "protocol"])).toBe('k:{"containerPort":80,"protocol":"TCP"}');
});

test("FieldsV1 round-trips", () => {
  const trie = { "f:data": { ".": {}, "f:a": {} }, "f:spec": { "f:x": { 'k:{"name":"n"}': { ".": {}, "f:v": {} } } } };
  expect(toFieldsV1(fromFieldsV1(trie))).toEqual(trie);
});

test("merge: keyed lists by key, atomic lists whole, null removes", () => {
  const live = { spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "1" }], nodeSelector: { x: "1" } } };
  const applied = { spec: { containers: [{ name: "b", image: "2" }, { name: "c", image: "1" }], nodeSelector: null } };
  expect(mergeApplied(live, applied, pod)).toEqual({
    spec: { containers: [{ name: "a", image: "1" }, { name: "b", image: "2" }, { name: "c", image: "1" }] },
  });
  expect(mergeApplied({ spec: { containers: [{ name: "a", args: ["1", "2"] }] } }, { spec: { containers: [{ name: "a", args: ["3"] }] } }, pod)).toEqual({
    spec: { containers: [{ name: "a", args: ["3"] }] },
  });
});

test("paths print as the apiserver prints them", () => {
  expect(pathText(["f:spec", 'k:{"name":"web"}', "f:image"])).toBe('.spec[name="web"].image');
  expect(pathText(["f:metadata", "f:finalizers", 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
});

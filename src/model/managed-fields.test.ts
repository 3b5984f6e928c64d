import { describe, expect, test } from "bun:test";
import { parseWithoutManagedFields, withManagedFieldsOf, withoutManagedFields, withoutManagedFieldsText } from "./managed-fields.ts";

const pod = {
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "p", namespace: "ns", uid: "u", resourceVersion: "7", labels: { a: "b" }, managedFields: [{ manager: "kubectl" }] },
  spec: { hostNetwork: false, containers: [{ name: "c", image: "busybox" }] },
  status: { phase: "Running", podIP: "10.42.0.5" },
};

const managedFields = [
  { manager: "kubectl", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { 'k:{"name":"web"}': { ".": {}, "f:image": {} } } } },
  { manager: 'odd "}]\\', operation: "Update", time: "2026-12-07T10:00:00Z", fieldsV1: { "f:data": { "f:]": {}, "f:{": {} } } },
];

/** What the cut must give: the object parsed whole, then without managedFields. */
function expected(obj: Record<string, any>) {
  const { managedFields: _dropped, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

test.each([
  ["in the middle of metadata", { apiVersion: "v1", kind: "Pod", metadata: { name: "a", managedFields, uid: "u" }, spec: { x: 1 } }],
  ["last in metadata", { apiVersion: "v1", kind: "Pod", metadata: { name: "a", labels: { l: "}" }, managedFields }, spec: {} }],
  ["first in metadata", { metadata: { managedFields, name: "a" }, kind: "Pod" }],
  ["alone in metadata", { kind: "Pod", metadata: { managedFields } }],
  ["after the spec", { spec: { containers: [{ name: "c", args: ["]", '"managedFields":[', "\\"] }] }, metadata: { name: 'x\\"', managedFields, finalizers: ["f"] } }],
  ["beside a managedFields key outside metadata", { apiVersion: "x/v1", spec: { managedFields: [1, 2] }, metadata: { annotations: { '"managedFields":[': "]}" }, managedFields }, status: { managedFields: "s" } }],
  ["with numbers, booleans and nulls around it", { a: 1.5e3, b: true, c: null, metadata: { generation: 2, deletionGracePeriodSeconds: null, managedFields, ok: false }, d: -1 }],
])("managedFields %s are cut out; everything else stays", (_, obj) => {
  const text = withoutManagedFieldsText(JSON.stringify(obj));
  expect(JSON.parse(text)).toEqual(expected(obj));
  expect(text).toBe(JSON.stringify(expected(obj)));
});

test("text without metadata.managedFields is returned as it is, the same string", () => {
  for (const obj of [{ metadata: { name: "a" } }, { spec: { managedFields: [] }, metadata: { name: "a" } }, { managedFields: [], metadata: {} }, { kind: "X" }]) {
    const json = JSON.stringify(obj);
    expect(withoutManagedFieldsText(json)).toBe(json);
  }
});

test("text that is not one compact object is returned as it is, for JSON.parse to judge", () => {
  for (const json of ['{"metadata":{"managedFields":[', '{"metadata": {"managedFields":[]}}', '[{"metadata":{"managedFields":[]}}]', '{"metadata":"managedFields"}', '"managedFields"']) {
    expect(withoutManagedFieldsText(json)).toBe(json);
  }
});

test("parseWithoutManagedFields: from the cut text, or from text it cannot cut (spaces), still without them", () => {
  for (const json of [JSON.stringify(pod), JSON.stringify(pod, null, 2)]) {
    const obj = parseWithoutManagedFields<any>(json);
    expect("managedFields" in obj.metadata).toBe(false);
    expect(obj).toEqual(withoutManagedFields(structuredClone(pod) as any));
  }
  expect(parseWithoutManagedFields<any>('{"kind":"X"}')).toEqual({ kind: "X" });
  expect(() => parseWithoutManagedFields('{"metadata":{"managedFields":[')).toThrow(SyntaxError);
});

describe("withoutManagedFields", () => {
  test("drops metadata.managedFields from a copy and leaves the shared original whole", () => {
    const original = structuredClone(pod);
    const trimmed = withoutManagedFields(original as any);
    expect(trimmed.metadata).toEqual({ name: "p", namespace: "ns", uid: "u", resourceVersion: "7", labels: { a: "b" } });
    expect("managedFields" in trimmed.metadata).toBe(false);
    expect(original).toEqual(pod);
    // Only metadata is copied: spec and status are the same objects.
    expect(trimmed.spec).toBe(original.spec);
  });

  test("an object without managedFields is returned as it is", () => {
    const o = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } };
    expect(withoutManagedFields(o as any)).toBe(o as any);
  });
});

describe("withManagedFieldsOf", () => {
  test("a whole-object write made from a trimmed copy keeps the stored owners", () => {
    const stored = { apiVersion: "v1", kind: "X", metadata: { name: "x", managedFields: [{ manager: "kubectl" }] } };
    const desired = { apiVersion: "v1", kind: "X", metadata: { name: "x", labels: { a: "b" } } };
    expect(withManagedFieldsOf(stored as any, desired as any)).toEqual({ apiVersion: "v1", kind: "X", metadata: { name: "x", labels: { a: "b" }, managedFields: [{ manager: "kubectl" }] } } as any);
    expect(desired.metadata).toEqual({ name: "x", labels: { a: "b" } });
    const own = { ...desired, metadata: { ...desired.metadata, managedFields: [] } };
    expect(withManagedFieldsOf(stored as any, own as any)).toBe(own as any);
  });
});

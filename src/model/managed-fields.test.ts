import { describe, expect, test } from "bun:test";
import { memberText } from "../lib/json-text.ts";
import { managedFieldsSpan, metadataText, NO_MANAGED_FIELDS, parseWithoutManagedFields, stringifyManagedFieldsLast, withManagedFieldsOf, withoutManagedFields, withoutManagedFieldsText } from "./managed-fields.ts";

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

test.each([
  ["in the middle of metadata", { apiVersion: "v1", kind: "Pod", metadata: { name: "a", managedFields, uid: "u" }, spec: { x: 1 } }],
  ["first in metadata, metadata last", { kind: "Pod", spec: { c: ["]", "}"] }, metadata: { managedFields, name: 'é"\\\u2028' } }],
  ["alone in metadata", { kind: "Pod", metadata: { managedFields } }],
  ["beside members JSON.stringify leaves out", { a: undefined, metadata: { managedFields, gone: undefined, name: "n" }, b: () => 1, c: 2 }],
])("stringifyManagedFieldsLast, managedFields %s: JSON.stringify's text with them last in metadata, and where they are", (_, obj: any) => {
  const { text, span } = stringifyManagedFieldsLast(obj);
  expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(obj)));
  expect(Object.keys(JSON.parse(text).metadata).at(-1)).toBe("managedFields");
  // The span cuts them out exactly, and is what a scan finds.
  expect(withoutManagedFieldsText(text, span)).toBe(JSON.stringify(withoutManagedFields(obj)));
  expect(span).toBe(managedFieldsSpan(text));
  expect(parseWithoutManagedFields(text, span)).toEqual(JSON.parse(JSON.stringify(withoutManagedFields(obj))));
});

test("metadataText is memberText's metadata, by the span when managedFields end it, else by a scan", () => {
  const objects: any[] = [
    { kind: "Pod", metadata: { name: "a", managedFields, labels: { x: "}" } }, spec: {} },
    { kind: "Pod", metadata: { name: "a", managedFields: [] } },
    { metadata: { name: "b" } },
    { kind: "X" },
  ];
  for (const obj of objects) {
    const { text, span } = stringifyManagedFieldsLast(obj);
    for (const json of [text, JSON.stringify(obj)]) {
      expect(metadataText(json, json === text ? span : undefined)).toBe(memberText(json, "metadata"));
      expect(metadataText(json, managedFieldsSpan(json))).toBe(memberText(json, "metadata"));
    }
  }
  // With the span, managedFields are not read: text broken inside them (same length) still
  // ends where the span says, where a scan goes astray.
  const { text, span } = stringifyManagedFieldsLast(objects[0]);
  const broken = text.replace('"f:image":{}', '"f:image":{{');
  expect(broken).not.toBe(text);
  expect(metadataText(broken, span)).toBe(memberText(text, "metadata")!.replace('"f:image":{}', '"f:image":{{'));
  expect(memberText(broken, "metadata")).not.toBe(metadataText(broken, span));
});

test("stringifyManagedFieldsLast of an object without managedFields is JSON.stringify's text", () => {
  for (const obj of [{ metadata: { name: "a" } }, { kind: "X" }, { metadata: null }, { metadata: [1] }, { metadata: { managedFields: undefined } }]) {
    expect(stringifyManagedFieldsLast(obj as any)).toEqual({ text: JSON.stringify(obj), span: NO_MANAGED_FIELDS });
  }
});

test("text without metadata.managedFields is returned as it is, the same string", () => {
  for (const obj of [{ metadata: { name: "a" } }, { spec: { managedFields: [] }, metadata: { name: "a" } }, { managedFields: [], metadata: {} }, { kind: "X" }]) {
    const json = JSON.stringify(obj);
    expect(withoutManagedFieldsText(json)).toBe(json);
  }
});

test("text with whitespace is cut too; other text comes out as it was, or as invalid as it was", () => {
  for (const obj of [{ metadata: { name: "a", managedFields: [{ m: 1 }] } }, { metadata: { managedFields: [{ m: 1 }], name: "a" } }, { metadata: { managedFields: [] } }]) {
    expect(JSON.parse(withoutManagedFieldsText(JSON.stringify(obj, null, 2)))).toEqual(withoutManagedFields(obj as any));
  }
  for (const json of ['[{"metadata":{"managedFields":[]}}]', '{"metadata":"managedFields"}', '"managedFields"', '{"spec":{"managedFields":[]}}']) {
    expect(withoutManagedFieldsText(json)).toBe(json);
  }
  // Unterminated: cut to the end, still not JSON.
  expect(() => JSON.parse(withoutManagedFieldsText('{"metadata":{"managedFields":['))).toThrow(SyntaxError);
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

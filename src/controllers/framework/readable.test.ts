import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { readableCopy } from "../../api/openapi/stored-shape.ts";
import { assertReadable, metadataUnreadable, UnreadableObjectError } from "./readable.ts";

// Objects as a SharedInformer caches them.
const deployment = (spec: unknown, meta: Record<string, unknown> = {}) =>
  readableCopy({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "ns", ...meta }, spec } as KubeObject);
const good = { replicas: 1, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } };

test("a readable object passes, whatever its status or managedFields", () => {
  expect(() => assertReadable(readableCopy({ ...deployment(good, { managedFields: "garbage" }), status: "garbage" } as KubeObject))).not.toThrow();
  expect(metadataUnreadable(deployment(good))).toBe(false);
});

test.each([
  ["a selector with matchLabels not a map", { ...good, selector: { matchLabels: 5 } }, {}, 'Deployment ns/d cannot be read: spec.selector.matchLabels in body must be of type object: "integer"'],
  ["a template that is a string", { ...good, template: "garbage" }, {}, 'Deployment ns/d cannot be read: spec.template in body must be of type object: "string"'],
  ["labels that are a string", good, { labels: "garbage" }, 'Deployment ns/d cannot be read: metadata.labels in body must be of type object: "string"'],
])("%s fails its reconcile with what is wrong", (_, spec, meta, message) => {
  expect(() => assertReadable(deployment(spec, meta))).toThrow(UnreadableObjectError);
  expect(() => assertReadable(deployment(spec, meta))).toThrow(message);
});

test("metadata that cannot be read is told apart from a spec that cannot", () => {
  expect(metadataUnreadable(deployment(good, { labels: "garbage" }))).toBe(true);
  expect(metadataUnreadable(deployment({ ...good, template: "garbage" }))).toBe(false);
});

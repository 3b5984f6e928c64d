import { expect, test } from "bun:test";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta-validation.ts";

const ok = { name: "web", namespace: "default", labels: { app: "web", "example.com/tier": "front" }, annotations: { note: "anything goes here!" } };

test.each([
  ["valid", ok, true, []],
  ["no name", { namespace: "default" }, true, ["metadata.name"]],
  ["upper-case name", { name: "Web", namespace: "default" }, true, ["metadata.name"]],
  ["no namespace", { name: "web" }, true, ["metadata.namespace"]],
  ["namespace on a cluster-scoped kind", { name: "web", namespace: "x" }, false, ["metadata.namespace"]],
  ["bad label value", { name: "web", namespace: "d", labels: { app: "has space" } }, true, ["metadata.labels"]],
  ["bad label key", { name: "web", namespace: "d", labels: { "a/b/c": "x" } }, true, ["metadata.labels"]],
  ["owner without uid", { name: "web", namespace: "d", ownerReferences: [{ apiVersion: "v1", kind: "X", name: "y" }] }, true, ["metadata.ownerReferences[0].uid"]],
  ["bad finalizer", { name: "web", namespace: "d", finalizers: ["not valid!"] }, true, ["metadata.finalizers[0]"]],
])("%s", (_n, meta, namespaced, fields) => {
  expect(validateObjectMeta(meta as any, { namespaced: namespaced as boolean, nameRule: "subdomain" }).map((c) => c.field)).toEqual(fields as string[]);
});

test("services use DNS-1035 names", () => {
  expect(validateObjectMeta({ name: "1abc", namespace: "d" }, { namespaced: true, nameRule: "1035" })).toHaveLength(1);
  expect(validateObjectMeta({ name: "1abc", namespace: "d" }, { namespaced: true, nameRule: "subdomain" })).toHaveLength(0);
});

test("annotations are limited to 256 KiB in total", () => {
  const big = { name: "x", namespace: "d", annotations: { a: "x".repeat(300 * 1024) } };
  expect(validateObjectMeta(big, { namespaced: true, nameRule: "subdomain" }).map((c) => c.reason)).toEqual(["FieldValueTooLong"]);
});

test("name, namespace, uid and creationTimestamp are immutable", () => {
  const old = { name: "a", namespace: "d", uid: "1", creationTimestamp: "t" };
  expect(validateObjectMetaUpdate({ ...old }, old)).toEqual([]);
  expect(validateObjectMetaUpdate({ ...old, uid: "2" }, old).map((c) => c.field)).toEqual(["metadata.uid"]);
});

import { expect, test } from "bun:test";
import { keyHasName } from "./key-name.ts";

test("a key names the object of its last segment, and only that", () => {
  expect(keyHasName("/configmaps/default/kube-root-ca.crt", "kube-root-ca.crt")).toBe(true);
  expect(keyHasName("/nodes/n1", "n1")).toBe(true);
  expect(keyHasName("/configmaps/default/my-kube-root-ca.crt", "kube-root-ca.crt")).toBe(false);
  expect(keyHasName("/configmaps/kube-root-ca.crt/other", "kube-root-ca.crt")).toBe(false);
  expect(keyHasName("kube-root-ca.crt", "kube-root-ca.crt")).toBe(false);
});

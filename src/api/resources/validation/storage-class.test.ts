import { expect, test } from "bun:test";
import type { KubeObject } from "../../../model/object.ts";
import { defaultStorageClass } from "../defaults/storage.ts";
import { validateStorageClass } from "./storage-class.ts";

const sc = (extra: Record<string, unknown> = {}): KubeObject => {
  const obj: KubeObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path" }, provisioner: "rancher.io/local-path", ...extra };
  defaultStorageClass(obj);
  return obj;
};

test("defaults: Delete and Immediate", () => {
  expect(sc()).toMatchObject({ reclaimPolicy: "Delete", volumeBindingMode: "Immediate" });
  expect(validateStorageClass(sc())).toEqual([]);
});

test.each([
  ["missing provisioner", { provisioner: undefined }, "provisioner", "Required value"],
  ["reclaim policy Recycle", { reclaimPolicy: "Recycle" }, "reclaimPolicy", 'Unsupported value: "Recycle": supported values: "Delete", "Retain"'],
  ["unknown binding mode", { volumeBindingMode: "Later" }, "volumeBindingMode", 'Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'],
])("%s", (_n, extra, field, message) => {
  expect(validateStorageClass(sc(extra))).toEqual([expect.objectContaining({ field, message })]);
});

test("updates: only metadata and allowVolumeExpansion may change", () => {
  const old = sc({ parameters: { a: "1" } });
  expect(validateStorageClass({ ...old, allowVolumeExpansion: true, metadata: { ...old.metadata, labels: { x: "y" } } }, old)).toEqual([]);
  const changed = { ...old, provisioner: "other", parameters: { a: "2" }, reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer" };
  expect(validateStorageClass(changed, old).map((c) => c.field)).toEqual(["parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"]);
  expect(validateStorageClass(changed, old)[0]!.message).toBe("Forbidden: updates to parameters are forbidden.");
});

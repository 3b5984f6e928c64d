import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { accessModes, persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./storage.ts";

const now = new Date("2024-05-01T12:00:00Z");
const meta = { name: "data", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" };

test.each([
  [["ReadWriteMany", "ReadWriteOnce"], "RWO,RWX"],
  [["ReadWriteOncePod"], "RWOP"],
  [["ReadOnlyMany", "ReadWriteOnce", "ReadWriteMany"], "RWO,ROX,RWX"],
  [[], ""],
])("access modes %p -> %s", (modes, want) => {
  expect(accessModes(modes)).toBe(want);
});

test("pvc pending and bound", () => {
  expect(persistentVolumeClaimPrinter.columns.map((c) => c.name)).toEqual([
    "Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode",
  ]);
  const pending: KubeObject = {
    apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta,
    spec: { storageClassName: "local-path", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem" },
    status: { phase: "Pending" },
  };
  expect(persistentVolumeClaimPrinter.cells(pending, now)).toEqual(["data", "Pending", "", "", "", "local-path", "<unset>", "60m", "Filesystem"]);
  const bound = { ...pending, spec: { ...pending.spec, volumeName: "pvc-123" }, status: { phase: "Bound", capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce"] } };
  expect(persistentVolumeClaimPrinter.cells(bound, now)).toEqual(["data", "Bound", "pvc-123", "2Gi", "RWO", "local-path", "<unset>", "60m", "Filesystem"]);
  const deleting = { ...bound, metadata: { ...meta, deletionTimestamp: "2024-05-01T11:59:00Z", annotations: { "volume.beta.kubernetes.io/storage-class": "legacy" } } };
  expect(persistentVolumeClaimPrinter.cells(deleting, now).slice(0, 6)).toEqual(["data", "Terminating", "pvc-123", "2Gi", "RWO", "legacy"]);
});

test("pv", () => {
  const pv: KubeObject = {
    apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pvc-123", creationTimestamp: "2024-05-01T11:00:00Z" },
    spec: { capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete", claimRef: { namespace: "default", name: "data" }, storageClassName: "local-path" },
    status: { phase: "Bound" },
  };
  expect(persistentVolumePrinter.columns.map((c) => c.name)).toEqual([
    "Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode",
  ]);
  expect(persistentVolumePrinter.cells(pv, now)).toEqual(["pvc-123", "2Gi", "RWO", "Delete", "Bound", "default/data", "local-path", "<unset>", "", "60m", "<unset>"]);
});

test("storage class: default marker, defaults for unset fields, expansion as a bool", () => {
  expect(storageClassPrinter.columns.map((c) => c.name)).toEqual(["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"]);
  const sc: KubeObject = {
    apiVersion: "storage.k8s.io/v1", kind: "StorageClass",
    metadata: { name: "local-path", creationTimestamp: "2024-05-01T11:00:00Z", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "rancher.io/local-path", reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer",
  } as KubeObject;
  expect(storageClassPrinter.cells(sc, now)).toEqual(["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false, "60m"]);
  const plain = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast", creationTimestamp: "2024-05-01T11:00:00Z" }, provisioner: "x", allowVolumeExpansion: true } as KubeObject;
  expect(storageClassPrinter.cells(plain, now)).toEqual(["fast", "x", "Delete", "Immediate", true, "60m"]);
});

import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { defaultStorageClass } from "./default-storage-class.ts";
import { storageObjectInUseProtection } from "./storage-object-in-use-protection.ts";
import type { AdmissionRequest } from "./types.ts";

const pvcDef = { group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims" } as AdmissionRequest["def"];
const pvDef = { group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes" } as AdmissionRequest["def"];
const sc = (name: string, created: string, isDefault: boolean): KubeObject => ({
  apiVersion: "storage.k8s.io/v1", kind: "StorageClass", provisioner: "p",
  metadata: { name, creationTimestamp: created, annotations: isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : {} },
});

async function admitted(spec: any, classes: KubeObject[], annotations?: Record<string, string>, operation: AdmissionRequest["operation"] = "CREATE") {
  const object: KubeObject = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "default", annotations }, spec };
  await defaultStorageClass(async () => classes).admit({ operation, def: pvcDef, object, dryRun: false });
  return object.spec.storageClassName;
}

describe("DefaultStorageClass", () => {
  const classes = [sc("local-path", "2025-01-01T00:00:00Z", true), sc("fast", "2025-02-01T00:00:00Z", false)];
  test("a claim without a class gets the default one", async () => {
    expect(await admitted({ accessModes: ["ReadWriteOnce"] }, classes)).toBe("local-path");
  });
  test("an explicit class, an explicit empty class and the beta annotation are kept", async () => {
    expect(await admitted({ storageClassName: "fast" }, classes)).toBe("fast");
    expect(await admitted({ storageClassName: "" }, classes)).toBe("");
    expect(await admitted({}, classes, { "volume.beta.kubernetes.io/storage-class": "fast" })).toBeUndefined();
  });
  test("no default class: nothing set; several: the newest", async () => {
    expect(await admitted({}, [sc("a", "2025-01-01T00:00:00Z", false)])).toBeUndefined();
    expect(await admitted({}, [...classes, sc("newer", "2025-03-01T00:00:00Z", true)])).toBe("newer");
  });
  test("updates are left alone", async () => {
    expect(await admitted({}, classes, undefined, "UPDATE")).toBeUndefined();
  });
});

describe("StorageObjectInUseProtection", () => {
  test("new claims and volumes get their protection finalizer once", () => {
    const claim: KubeObject = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "c", finalizers: ["x"] } };
    storageObjectInUseProtection.admit({ operation: "CREATE", def: pvcDef, object: claim, dryRun: false });
    storageObjectInUseProtection.admit({ operation: "CREATE", def: pvcDef, object: claim, dryRun: false });
    expect(claim.metadata.finalizers).toEqual(["x", "kubernetes.io/pvc-protection"]);
    const volume: KubeObject = { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "v" } };
    storageObjectInUseProtection.admit({ operation: "CREATE", def: pvDef, object: volume, dryRun: false });
    expect(volume.metadata.finalizers).toEqual(["kubernetes.io/pv-protection"]);
  });
});

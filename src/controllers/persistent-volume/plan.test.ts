import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { node, onNode, pv, pvc } from "../../../test/helpers/volume-builders.ts";
import { boundClaim, boundClaimStatus, boundVolume, planClaim, planVolume, type World } from "./plan.ts";

const wait: KubeObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path" }, provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer" };
const now: KubeObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" }, provisioner: "example.com/fast", volumeBindingMode: "Immediate" };

function world(volumes: KubeObject[], nodes: KubeObject[] = []): World {
  return {
    volumes,
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    storageClass: (n) => [wait, now].find((c) => c.metadata.name === n),
    node: (n) => nodes.find((x) => x.metadata.name === n),
  };
}

const name = (a: any) => a.volume?.metadata.name;

describe("planClaim: unbound claims", () => {
  test("an Immediate claim binds to the best matching volume", () => {
    const a = planClaim(pvc("data", "1Gi"), world([pv("big", "5Gi"), pv("fit", "1Gi")]));
    expect(a.type).toBe("bind");
    expect(name(a)).toBe("fit");
  });

  test("no class, nothing matches: Pending, saying so", () => {
    expect(planClaim(pvc("data", "1Gi"), world([]))).toEqual({ type: "pending", event: { type: "Normal", reason: "FailedBinding", message: "no persistent volumes available for this claim and no storage class is set" } });
  });

  test("a class with a provisioner: ask it", () => {
    const a = planClaim(pvc("data", "1Gi", { spec: { storageClassName: "fast" } }), world([]));
    expect(a).toMatchObject({ type: "provision", provisioner: "example.com/fast", event: { reason: "ExternalProvisioning" } });
  });

  test("a class that does not exist", () => {
    expect(planClaim(pvc("data", "1Gi", { spec: { storageClassName: "gone" } }), world([]))).toMatchObject({ type: "pending", event: { type: "Warning", reason: "ProvisioningFailed", message: 'storageclass.storage.k8s.io "gone" not found' } });
  });

  test("WaitForFirstConsumer: waits for a node, even with a matching volume", () => {
    const claim = pvc("data", "1Gi", { spec: { storageClassName: "local-path" } });
    const vols = [pv("static", "1Gi", { spec: { storageClassName: "local-path", nodeAffinity: onNode("n1") } })];
    expect(planClaim(claim, world(vols, [node("n1")]))).toMatchObject({ type: "pending", event: { reason: "WaitForFirstConsumer", message: "waiting for first consumer to be created before binding" } });
  });

  test("WaitForFirstConsumer with a selected node: a static volume reachable from it, else provisioning", () => {
    const vols = [pv("static", "1Gi", { spec: { storageClassName: "local-path", nodeAffinity: onNode("n1") } })];
    const on = (n: string) => pvc("data", "1Gi", { spec: { storageClassName: "local-path" }, metadata: { annotations: { "volume.kubernetes.io/selected-node": n } } });
    expect(name(planClaim(on("n1"), world(vols, [node("n1"), node("n2")])))).toBe("static");
    expect(planClaim(on("n2"), world(vols, [node("n1"), node("n2")]))).toMatchObject({ type: "provision", provisioner: "rancher.io/local-path" });
  });

  test("a volume provisioned for the claim (pre-bound) is taken whatever the mode", () => {
    const claim = pvc("data", "1Gi", { spec: { storageClassName: "local-path" } });
    const mine = pv("pvc-uid-data", "1Gi", { spec: { storageClassName: "local-path", claimRef: { namespace: "default", name: "data", uid: "uid-data" } }, status: { phase: "Pending" } });
    expect(name(planClaim(claim, world([mine])))).toBe("pvc-uid-data");
  });

  test("a claim being deleted before it bound is left alone", () => {
    expect(planClaim(pvc("data", "1Gi", { metadata: { deletionTimestamp: "2025-01-01T00:00:00Z" } }), world([pv("v", "1Gi")]))).toEqual({ type: "none" });
  });
});

describe("planClaim: claims naming a volume", () => {
  const claim = (ann: Record<string, string> = {}) => pvc("data", "1Gi", { spec: { volumeName: "v" }, metadata: { annotations: ann } });
  test("the volume is free or ours: bind (completes a half-done binding)", () => {
    expect(planClaim(claim(), world([pv("v", "1Gi")])).type).toBe("bind");
    expect(planClaim(claim(), world([pv("v", "1Gi", { spec: { claimRef: { namespace: "default", name: "data", uid: "uid-data" } } })])).type).toBe("bind");
  });
  test("the volume is gone: Lost once bound, Pending before", () => {
    expect(planClaim(claim({ "pv.kubernetes.io/bind-completed": "yes" }), world([]))).toMatchObject({ type: "lost", event: { reason: "ClaimLost" } });
    expect(planClaim(claim(), world([]))).toMatchObject({ type: "pending", event: { message: 'volume "v" not found' } });
  });
  test("the volume belongs to another claim", () => {
    const other = pv("v", "1Gi", { spec: { claimRef: { namespace: "default", name: "other", uid: "u2" } } });
    expect(planClaim(claim(), world([other]))).toMatchObject({ type: "pending", event: { message: 'volume "v" already bound to a different claim.' } });
    expect(planClaim(claim({ "pv.kubernetes.io/bind-completed": "yes" }), world([other]))).toMatchObject({ type: "lost", event: { reason: "ClaimMisbound" } });
  });
});

describe("planVolume", () => {
  const ref = { namespace: "default", name: "data", uid: "uid-data" };
  const bound = (policy: string, phase = "Bound") => pv("v", "1Gi", { spec: { claimRef: ref, persistentVolumeReclaimPolicy: policy }, status: { phase } });
  test.each([
    ["no claimRef, not Available", pv("v", "1Gi", { status: { phase: "Released" } }), undefined, { type: "phase", phase: "Available" }],
    ["no claimRef, Available", pv("v", "1Gi"), undefined, { type: "none" }],
    ["pre-bound by a user (no uid)", pv("v", "1Gi", { spec: { claimRef: { namespace: "default", name: "data" } }, status: { phase: "Pending" } }), undefined, { type: "phase", phase: "Available" }],
    ["claim bound to it", bound("Delete", "Available"), pvc("data", "1Gi", { spec: { volumeName: "v" } }), { type: "phase", phase: "Bound" }],
    ["claim not bound yet (mid-bind)", bound("Delete"), pvc("data", "1Gi"), { type: "none" }],
    ["claim gone: Released first", bound("Delete"), undefined, { type: "phase", phase: "Released" }],
    ["a new claim of the same name is not ours", bound("Retain"), pvc("data", "1Gi", { metadata: { uid: "new" } }), { type: "phase", phase: "Released" }],
    ["Released with Delete: the object goes", bound("Delete", "Released"), undefined, { type: "delete" }],
    ["Released with Retain: stays", bound("Retain", "Released"), undefined, { type: "none" }],
    ["Released with Recycle: Failed", bound("Recycle", "Released"), undefined, { type: "phase", phase: "Failed", message: "Recycle is not supported by k3rs; use Delete or Retain" }],
  ])("%s", (_n, volume, claim, want) => {
    expect(planVolume(volume, claim)).toEqual(want as any);
  });

  test("claim bound elsewhere: the controller's binding is undone, a user's kept", () => {
    const elsewhere = pvc("data", "1Gi", { spec: { volumeName: "other" } });
    const byController = pv("v", "1Gi", { spec: { claimRef: ref }, metadata: { annotations: { "pv.kubernetes.io/bound-by-controller": "yes" } }, status: { phase: "Bound" } });
    expect(planVolume(byController, elsewhere)).toEqual({ type: "unbind" });
    expect(planVolume(bound("Retain"), elsewhere)).toEqual({ type: "phase", phase: "Available" });
  });
});

test("binding shapes: claimRef with uid, volumeName and annotations, status from the volume", () => {
  const claim = pvc("data", "1Gi", { metadata: { resourceVersion: "7" } });
  const volume = pv("v", "2Gi", { spec: { accessModes: ["ReadWriteOnce", "ReadOnlyMany"] } });
  expect(boundVolume(volume, claim).spec.claimRef).toEqual({ kind: "PersistentVolumeClaim", namespace: "default", name: "data", uid: "uid-data", apiVersion: "v1", resourceVersion: "7" });
  expect(boundVolume(volume, claim).metadata.annotations).toEqual({ "pv.kubernetes.io/bound-by-controller": "yes" });
  const c = boundClaim(claim, volume);
  expect(c.spec.volumeName).toBe("v");
  expect(c.metadata.annotations).toEqual({ "pv.kubernetes.io/bound-by-controller": "yes", "pv.kubernetes.io/bind-completed": "yes" });
  expect(boundClaimStatus(claim, volume)).toEqual({ phase: "Bound", accessModes: ["ReadWriteOnce", "ReadOnlyMany"], capacity: { storage: "2Gi" } });
});

import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { pvc } from "../../../test/helpers/volume-builders.ts";
import { localPathVolume, unsupported } from "./volume.ts";

const localPath: KubeObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path" }, provisioner: "rancher.io/local-path", reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer" };

test("the volume for a claim: name, directory, node affinity, size, modes, claimRef, class and policy", () => {
  const claim = pvc("data-web-0", "2Gi", { metadata: { uid: "1234-abcd", namespace: "shop", resourceVersion: "42" }, spec: { storageClassName: "local-path" } });
  expect(localPathVolume(claim, localPath, "node-a", "/var/lib/k3rs/storage")).toEqual({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pvc-1234-abcd", annotations: { "pv.kubernetes.io/provisioned-by": "rancher.io/local-path", "local.path.provisioner/selected-node": "node-a" } },
    spec: {
      capacity: { storage: "2Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: "local-path",
      volumeMode: "Filesystem",
      hostPath: { path: "/var/lib/k3rs/storage/pvc-1234-abcd_shop_data-web-0", type: "DirectoryOrCreate" },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-a"] }] }] } },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "shop", name: "data-web-0", uid: "1234-abcd", resourceVersion: "42" },
    },
  });
});

test("reclaim policy and mount options come from the class", () => {
  const retain = { ...localPath, reclaimPolicy: "Retain", mountOptions: ["noatime"] };
  const v = localPathVolume(pvc("d", "1Gi"), retain, "n", "/data/storage");
  expect(v.spec).toMatchObject({ persistentVolumeReclaimPolicy: "Retain", mountOptions: ["noatime"] });
  expect(v.spec.hostPath.path).toBe("/data/storage/pvc-uid-d_default_d");
});

test.each([
  [{}, undefined],
  [{ accessModes: ["ReadWriteOncePod"] }, undefined],
  [{ accessModes: ["ReadWriteMany"] }, "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes"],
  [{ selector: { matchLabels: { a: "b" } } }, "claim Selector is not supported"],
  [{ volumeMode: "Block" }, "volumeMode Block is not supported"],
])("unsupported(%j) = %p", (spec, want) => {
  expect(unsupported(pvc("d", "1Gi", { spec }))).toBe(want);
});

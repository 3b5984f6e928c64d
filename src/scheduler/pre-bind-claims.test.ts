import { expect, test } from "bun:test";
import type { KubeObject } from "../model/object.ts";
import { pvc } from "../../test/helpers/volume-builders.ts";
import { claimsToSelect } from "./pre-bind-claims.ts";
import type { StorageLister } from "./types.ts";

const classes: KubeObject[] = [
  { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path" }, provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer" },
  { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" }, provisioner: "x", volumeBindingMode: "Immediate" },
];

test("only unbound WaitForFirstConsumer claims not already placed on this node", () => {
  const claims = [
    pvc("wait", "1Gi", { spec: { storageClassName: "local-path" } }),
    pvc("elsewhere", "1Gi", { spec: { storageClassName: "local-path" }, metadata: { annotations: { "volume.kubernetes.io/selected-node": "n2" } } }),
    pvc("here", "1Gi", { spec: { storageClassName: "local-path" }, metadata: { annotations: { "volume.kubernetes.io/selected-node": "n1" } } }),
    pvc("bound", "1Gi", { spec: { storageClassName: "local-path", volumeName: "v" } }),
    pvc("now", "1Gi", { spec: { storageClassName: "fast" } }),
  ];
  const lister: StorageLister = {
    claim: (_ns, name) => claims.find((c) => c.metadata.name === name),
    volume: () => undefined,
    volumes: () => [],
    storageClass: (name) => classes.find((c) => c.metadata.name === name),
  };
  const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { volumes: [...claims.map((c) => ({ name: c.metadata.name, persistentVolumeClaim: { claimName: c.metadata.name } })), { name: "missing", persistentVolumeClaim: { claimName: "missing" } }] } };
  expect(claimsToSelect(pod, "n1", lister).map((c) => c.metadata.name)).toEqual(["wait", "elsewhere"]);
});

import { expect, test } from "bun:test";
import type { KubeObject } from "../model/object.ts";
import { isDelayBinding, pickDefaultClass, podClaimNames, storageClassOf } from "./claims.ts";
import { pvc } from "../../test/helpers/volume-builders.ts";

const sc = (name: string, created: string, isDefault = true, mode = "WaitForFirstConsumer"): KubeObject => ({
  apiVersion: "storage.k8s.io/v1", kind: "StorageClass", provisioner: "p", volumeBindingMode: mode,
  metadata: { name, creationTimestamp: created, annotations: isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : {} },
});

test("pickDefaultClass: only defaults; the newest wins; name breaks ties", () => {
  expect(pickDefaultClass([sc("a", "2025-01-01T00:00:00Z", false)])).toBeUndefined();
  expect(pickDefaultClass([sc("old", "2025-01-01T00:00:00Z"), sc("new", "2025-02-01T00:00:00Z"), sc("x", "2025-03-01T00:00:00Z", false)])?.metadata.name).toBe("new");
  expect(pickDefaultClass([sc("b", "2025-01-01T00:00:00Z"), sc("a", "2025-01-01T00:00:00Z")])?.metadata.name).toBe("a");
  const beta = sc("beta", "2025-01-01T00:00:00Z", false);
  beta.metadata.annotations = { "storageclass.beta.kubernetes.io/is-default-class": "true" };
  expect(pickDefaultClass([beta])?.metadata.name).toBe("beta");
});

test("isDelayBinding: only a class that exists and says WaitForFirstConsumer", () => {
  const classes: Record<string, KubeObject> = { wait: sc("wait", ""), now: sc("now", "", false, "Immediate") };
  const lookup = (n: string) => classes[n];
  expect(isDelayBinding(pvc("c", "1Gi", { spec: { storageClassName: "wait" } }), lookup)).toBe(true);
  expect(isDelayBinding(pvc("c", "1Gi", { spec: { storageClassName: "now" } }), lookup)).toBe(false);
  expect(isDelayBinding(pvc("c", "1Gi", { spec: { storageClassName: "missing" } }), lookup)).toBe(false);
  expect(isDelayBinding(pvc("c", "1Gi"), lookup)).toBe(false);
});

test("storageClassOf and podClaimNames", () => {
  expect(storageClassOf(pvc("c", "1Gi", { spec: { storageClassName: undefined } }))).toBe("");
  const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { volumes: [{ name: "a", persistentVolumeClaim: { claimName: "data" } }, { name: "b", emptyDir: {} }] } };
  expect(podClaimNames(pod)).toEqual(["data"]);
});

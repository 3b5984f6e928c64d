import { expect, test } from "bun:test";
import { podReferences } from "./pod-references.ts";

test("every place a pod names a Secret, ConfigMap or claim", () => {
  const refs = podReferences({
    apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "a" },
    spec: {
      serviceAccountName: "robot",
      imagePullSecrets: [{ name: "pull" }],
      volumes: [
        { name: "s", secret: { secretName: "vol-secret" } },
        { name: "c", configMap: { name: "vol-cm" } },
        { name: "d", persistentVolumeClaim: { claimName: "data" } },
        { name: "scratch", ephemeral: { volumeClaimTemplate: {} } },
        { name: "proj", projected: { sources: [{ secret: { name: "proj-secret" } }, { configMap: { name: "kube-root-ca.crt" } }, { serviceAccountToken: { path: "token" } }] } },
        { name: "csi", csi: { driver: "x", nodePublishSecretRef: { name: "csi-secret" } } },
      ],
      initContainers: [{ name: "i", envFrom: [{ secretRef: { name: "init-env" } }] }],
      containers: [{ name: "c", env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "env-cm", key: "k" } } }, { name: "B", valueFrom: { secretKeyRef: { name: "env-secret", key: "k" } } }], envFrom: [{ configMapRef: { name: "envfrom-cm" } }] }],
    },
  });
  expect([...refs.secrets].sort()).toEqual(["csi-secret", "env-secret", "init-env", "proj-secret", "pull", "vol-secret"]);
  expect([...refs.configMaps].sort()).toEqual(["env-cm", "envfrom-cm", "kube-root-ca.crt", "vol-cm"]);
  expect([...refs.claims].sort()).toEqual(["data", "p-scratch"]);
  expect(refs.serviceAccount).toBe("robot");
});

test("a pod without an account runs as default", () => {
  expect(podReferences({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} }).serviceAccount).toBe("default");
});

import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { claimOwnerRefs, claimsFor, identityMatches, newStatefulPod, parentAndOrdinal } from "./identity.ts";

const set = (policy?: any): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "default", uid: "set-uid" },
  spec: {
    replicas: 2,
    serviceName: "nginx",
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }], volumes: [{ name: "www", emptyDir: {} }, { name: "tmp", emptyDir: {} }] } },
    volumeClaimTemplates: [{ metadata: { name: "www", labels: { tier: "data" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
    ...(policy ? { persistentVolumeClaimRetentionPolicy: policy } : {}),
  },
});

describe("identity", () => {
  test.each([
    ["web-0", "web", 0],
    ["my-db-12", "my-db", 12],
    ["web", "", -1],
    ["web-x", "", -1],
  ])("%s has parent %j and ordinal %d", (name, parent, ordinal) => {
    expect(parentAndOrdinal(name)).toEqual({ parent, ordinal });
  });

  test("a pod has its stable name, labels, hostname, subdomain and claim volume", () => {
    const s = set();
    const pod = newStatefulPod(s, s.spec!.template, 1, "web-abc");
    expect(pod.metadata.name).toBe("web-1");
    expect(pod.metadata.generateName).toBeUndefined();
    expect(pod.metadata.labels).toEqual({ app: "web", "statefulset.kubernetes.io/pod-name": "web-1", "apps.kubernetes.io/pod-index": "1", "controller-revision-hash": "web-abc" });
    expect(pod.spec!.hostname).toBe("web-1");
    expect(pod.spec!.subdomain).toBe("nginx");
    expect(pod.spec!.volumes).toEqual([{ name: "www", persistentVolumeClaim: { claimName: "www-web-1" } }, { name: "tmp", emptyDir: {} }]);
    expect(identityMatches(s, pod)).toBe(true);
    expect(identityMatches(s, { ...pod, metadata: { ...pod.metadata, labels: { app: "web" } } })).toBe(false);
  });

  test("claims are named <claim>-<set>-<ordinal> and carry the selector's labels", () => {
    const [claim] = claimsFor(set(), 3);
    expect(claim!.metadata).toMatchObject({ name: "www-web-3", namespace: "default", labels: { tier: "data", app: "web" } });
    expect(claim!.spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } });
  });

  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", uid: "pod-uid" } } as KubeObject;
  test.each([
    ["Retain/Retain", { whenDeleted: "Retain", whenScaled: "Retain" }, false, []],
    ["whenDeleted Delete", { whenDeleted: "Delete", whenScaled: "Retain" }, false, ["StatefulSet"]],
    ["whenScaled Delete, pod in range", { whenDeleted: "Retain", whenScaled: "Delete" }, false, []],
    ["whenScaled Delete, pod scaled away", { whenDeleted: "Retain", whenScaled: "Delete" }, true, ["Pod"]],
    ["both Delete, pod in range", { whenDeleted: "Delete", whenScaled: "Delete" }, false, ["StatefulSet"]],
    ["both Delete, pod scaled away", { whenDeleted: "Delete", whenScaled: "Delete" }, true, ["Pod"]],
  ])("claim owners under %s", (_what, policy, scaledDown, kinds) => {
    const [claim] = claimsFor(set(policy), 1);
    claim!.metadata.ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: "keep", uid: "other" }, { apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "set-uid" }];
    const refs = claimOwnerRefs(set(policy), claim!, pod, scaledDown as boolean);
    expect(refs.map((r) => r.kind)).toEqual(["ConfigMap", ...(kinds as string[])]);
  });
});

import { expect, test } from "bun:test";
import { slimPod } from "./slim-pod.ts";

test("slimPod keeps only what the DNS reads of a pod", () => {
  const pod = {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "p", namespace: "ns", uid: "u", resourceVersion: "7", labels: { a: "b" }, managedFields: [{}] },
    spec: { hostNetwork: false, containers: [{ name: "c", image: "busybox" }] },
    status: { phase: "Running", podIP: "10.42.0.5", podIPs: [{ ip: "10.42.0.5" }], containerStatuses: [{}] },
  };
  expect(slimPod(pod as any)).toEqual({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u", resourceVersion: "7" }, spec: { hostNetwork: false }, status: { podIP: "10.42.0.5", podIPs: [{ ip: "10.42.0.5" }] } });
});

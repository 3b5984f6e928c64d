import { expect, test } from "bun:test";
import { slimNode } from "./slim-node.ts";

test("slimNode keeps what routes and the DNS read of a Node, without its images, conditions and managedFields", () => {
  const node = {
    apiVersion: "v1", kind: "Node",
    metadata: { name: "n1", uid: "u", resourceVersion: "9", labels: { a: "b" }, annotations: { "k3rs.io/vtep-mac": "aa:bb" }, managedFields: [{ manager: "k3rs-agent" }] },
    spec: { podCIDR: "10.42.1.0/24", podCIDRs: ["10.42.1.0/24"] },
    status: {
      addresses: [{ type: "InternalIP", address: "192.168.1.5" }, { type: "Hostname", address: "n1" }],
      images: [{ names: ["docker.io/library/busybox:latest"], sizeBytes: 1 }],
      conditions: [{ type: "Ready", status: "True", message: "kubelet is posting ready status" }],
      capacity: { cpu: "2" },
      nodeInfo: { kernelVersion: "6.1" },
    },
  };
  const before = structuredClone(node);
  expect(slimNode(node as any)).toEqual({
    apiVersion: "v1", kind: "Node",
    metadata: { name: "n1", uid: "u", resourceVersion: "9", labels: { a: "b" }, annotations: { "k3rs.io/vtep-mac": "aa:bb" } },
    spec: { podCIDR: "10.42.1.0/24", podCIDRs: ["10.42.1.0/24"] },
    status: { addresses: [{ type: "InternalIP", address: "192.168.1.5" }, { type: "Hostname", address: "n1" }] },
  } as any);
  // The event's object may be shared with other listeners: it is left whole.
  expect(node).toEqual(before);
});

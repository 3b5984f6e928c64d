import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { nodePrinter, nodeRoles } from "./node.ts";

const now = new Date("2024-05-01T12:00:00Z");

function node(labels: Record<string, string>, spec: any, status: any): KubeObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name: "n1", labels, creationTimestamp: "2024-05-01T09:00:00Z" }, spec, status };
}

const info = { kubeletVersion: "v1.32.0-k3rs", osImage: "Debian GNU/Linux 12 (bookworm)", kernelVersion: "6.1.0-18-amd64", containerRuntimeVersion: "containerd://1.6.20" };

test("columns", () => {
  expect(nodePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
    "Name:0", "Status:0", "Roles:0", "Age:0", "Version:0", "Internal-IP:1", "External-IP:1", "OS-Image:1", "Kernel-Version:1", "Container-Runtime:1",
  ]);
});

test.each<[string, KubeObject, unknown[]]>([
  [
    "ready control plane",
    node(
      { "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true" },
      {},
      { conditions: [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status: "True" }], addresses: [{ type: "InternalIP", address: "192.168.1.10" }, { type: "Hostname", address: "n1" }], nodeInfo: info },
    ),
    ["n1", "Ready", "control-plane,master", "3h", "v1.32.0-k3rs", "192.168.1.10", "<none>", info.osImage, info.kernelVersion, info.containerRuntimeVersion],
  ],
  [
    "not ready and cordoned, role from kubernetes.io/role",
    node({ "kubernetes.io/role": "worker" }, { unschedulable: true }, { conditions: [{ type: "Ready", status: "Unknown" }], addresses: [{ type: "ExternalIP", address: "1.2.3.4" }] }),
    ["n1", "NotReady,SchedulingDisabled", "worker", "3h", "", "<none>", "1.2.3.4", "<unknown>", "<unknown>", "<unknown>"],
  ],
  ["never reported", node({}, {}, {}), ["n1", "Unknown", "<none>", "3h", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]],
])("%s", (_n, n, cells) => {
  expect(nodePrinter.cells(n, now)).toEqual(cells);
});

test("roles ignore an empty role name and an empty kubernetes.io/role", () => {
  expect(nodeRoles(node({ "node-role.kubernetes.io/": "", "kubernetes.io/role": "", "node-role.kubernetes.io/edge": "" }, {}, {}))).toEqual(["edge"]);
});

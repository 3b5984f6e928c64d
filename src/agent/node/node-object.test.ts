import { expect, test } from "bun:test";
import { nodeStatus, type NodeFacts } from "./node-object.ts";
import { evictionReserved } from "./pressure.ts";

const facts = (over: Partial<NodeFacts> = {}): NodeFacts => ({
  name: "n1", hostname: "n1", internalIP: "10.0.0.1", isServer: false, labels: {}, taints: [],
  capacity: { cpu: "4", memory: "8039004Ki", pods: "110", "ephemeral-storage": "263174212Ki" },
  arch: "amd64", os: "linux", kernelVersion: "6.1", osImage: "Debian", machineID: "m", bootID: "b", containerRuntimeVersion: "containerd://1.6.20",
  ...over,
} as NodeFacts);
const NOW = new Date("2025-01-01T00:00:00Z");
const cond = (s: any, type: string) => s.conditions.find((c: any) => c.type === type);

test("allocatable is capacity less the eviction thresholds", () => {
  const f = facts();
  f.reserved = evictionReserved(f.capacity);
  const s = nodeStatus(f, { ready: true }, undefined, NOW);
  expect(s.capacity).toEqual(f.capacity);
  expect(s.allocatable).toEqual({ cpu: "4", memory: `${8039004 - 102400}Ki`, pods: "110", "ephemeral-storage": String(263174212 * 1024 - Math.ceil(263174212 * 1024 * 0.1)) });
});

test("without reservations (hollow nodes) allocatable is the capacity, and no images are reported", () => {
  const s = nodeStatus(facts(), { ready: true }, undefined, NOW);
  expect(s.allocatable).toEqual(facts().capacity);
  expect("images" in s).toBe(false);
  expect(cond(s, "MemoryPressure")).toMatchObject({ status: "False", reason: "KubeletHasSufficientMemory" });
});

test("pressure and images observed on the node are reported; transition times move only on change", () => {
  const images = [{ names: ["docker.io/library/busybox:latest"], sizeBytes: 1000 }];
  const first = nodeStatus(facts(), { ready: true }, undefined, NOW, { images, pressure: { memory: false, disk: true, pid: false } });
  expect(first.images).toEqual(images);
  expect(cond(first, "DiskPressure")).toMatchObject({ status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure" });
  const later = new Date("2025-01-01T00:01:00Z");
  const second = nodeStatus(facts(), { ready: true }, first, later, { images, pressure: { memory: true, disk: true, pid: false } });
  expect(cond(second, "DiskPressure").lastTransitionTime).toBe("2025-01-01T00:00:00Z");
  expect(cond(second, "MemoryPressure")).toMatchObject({ status: "True", reason: "KubeletHasInsufficientMemory", lastTransitionTime: "2025-01-01T00:01:00Z" });
  expect(cond(second, "Ready").status).toBe("True");
});

test("a reservation larger than the capacity leaves zero, not a negative quantity", () => {
  const s = nodeStatus(facts({ capacity: { cpu: "1", memory: "50Mi", pods: "110" }, reserved: { memory: "100Mi" } }), { ready: true }, undefined, NOW);
  expect(s.allocatable.memory).toBe("0");
});

test("--node-external-ip addresses are ExternalIPs after the InternalIP, before the Hostname", () => {
  expect(nodeStatus(facts(), { ready: true }, undefined, NOW).addresses).toEqual([{ type: "InternalIP", address: "10.0.0.1" }, { type: "Hostname", address: "n1" }]);
  const s = nodeStatus(facts({ externalIPs: ["203.0.113.7", "2001:db8::7"] }), { ready: true }, undefined, NOW);
  expect(s.addresses).toEqual([
    { type: "InternalIP", address: "10.0.0.1" },
    { type: "ExternalIP", address: "203.0.113.7" },
    { type: "ExternalIP", address: "2001:db8::7" },
    { type: "Hostname", address: "n1" },
  ]);
});

import { describe, expect, test } from "bun:test";
import { heldHere, interfaceIPv4, nodeIPsOf } from "./node-ips.ts";

const node = (addresses: { type: string; address: string }[]) => ({ apiVersion: "v1", kind: "Node", metadata: { name: "n" }, status: { addresses } });

describe("nodeIPsOf", () => {
  test.each([
    ["InternalIP only", [{ type: "InternalIP", address: "10.0.0.5" }], ["10.0.0.5"]],
    ["ExternalIP after InternalIP, hostnames ignored", [{ type: "ExternalIP", address: "203.0.113.5" }, { type: "Hostname", address: "n" }, { type: "InternalIP", address: "10.0.0.5" }], ["10.0.0.5", "203.0.113.5"]],
    ["no repeats", [{ type: "InternalIP", address: "10.0.0.5" }, { type: "ExternalIP", address: "10.0.0.5" }], ["10.0.0.5"]],
    ["none yet: the fallback", [], ["192.0.2.9"]],
  ] as const)("%s", (_, addresses, want) => {
    expect(nodeIPsOf(node([...addresses]), ["192.0.2.9"])).toEqual([...want]);
  });

  test("an ExternalIP the machine does not hold (NAT) is not listened on", () => {
    const n = node([{ type: "InternalIP", address: "10.0.0.5" }, { type: "ExternalIP", address: "203.0.113.5" }, { type: "ExternalIP", address: "10.0.0.6" }]);
    expect(nodeIPsOf(n, [], (ip) => ip === "10.0.0.6")).toEqual(["10.0.0.5", "10.0.0.6"]);
  });

  test("heldHere looks at every interface's addresses", () => {
    const ifaces = { lo: [{ family: "IPv4", address: "127.0.0.1", internal: true, netmask: "", mac: "", cidr: null, scopeid: 0 }], eth0: [{ family: "IPv4", address: "10.0.0.5", internal: false, netmask: "", mac: "", cidr: null, scopeid: 0 }] } as any;
    expect([heldHere("10.0.0.5", ifaces), heldHere("203.0.113.5", ifaces)]).toEqual([true, false]);
  });
});

describe("interfaceIPv4 (--flannel-iface)", () => {
  const ifaces = {
    eth1: [
      { family: "IPv6", address: "fe80::1", internal: false, netmask: "", mac: "", cidr: null, scopeid: 0 },
      { family: "IPv4", address: "172.16.0.4", internal: false, netmask: "", mac: "", cidr: null },
    ],
    v6only: [{ family: "IPv6", address: "fe80::2", internal: false, netmask: "", mac: "", cidr: null, scopeid: 0 }],
  } as any;

  test("the interface's IPv4 address", () => {
    expect(interfaceIPv4("eth1", ifaces)).toBe("172.16.0.4");
  });

  test("a missing interface, or one without IPv4, is an error naming the flag", () => {
    expect(() => interfaceIPv4("eth9", ifaces)).toThrow("--flannel-iface eth9: no such interface on this node (have: eth1, v6only)");
    expect(() => interfaceIPv4("v6only", ifaces)).toThrow("--flannel-iface v6only: the interface has no IPv4 address");
  });
});

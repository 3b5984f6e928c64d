import { expect, test } from "bun:test";
import { findStaleInterface, StaleInterfaceError } from "./stale-interface.ts";

const link = (ifname: string, ...addrs: string[]) => ({
  ifname,
  addr_info: addrs.map((a) => ({ family: a.includes(":") ? "inet6" : "inet", local: a.split("/")[0], prefixlen: Number(a.split("/")[1]) })),
});
const check = (...links: ReturnType<typeof link>[]) => findStaleInterface(JSON.stringify(links), "10.42.0.0/24", ["k3rs0", "k3rs.vxlan"]);

test.each([
  ["a bridge of an earlier data dir holding the gateway address", [link("k3rs1a2b3c4d", "10.42.0.1/24")], "k3rs1a2b3c4d", "10.42.0.1/24"],
  ["any address inside the podCIDR", [link("eth1", "10.42.0.77/32")], "eth1", "10.42.0.77/32"],
  ["a wider network covering the podCIDR", [link("old0", "10.42.200.1/16")], "old0", "10.42.200.1/16"],
])("refuses %s, naming the interface and the fix", (_, links, device, address) => {
  const e = check(link("lo", "127.0.0.1/8"), link("eth0", "172.31.0.1/24"), ...links);
  expect(e).toBeInstanceOf(StaleInterfaceError);
  expect(e).toMatchObject({ device, address, fix: `ip link delete ${device}` });
  expect(e!.message).toContain(`ip link delete ${device}`);
  expect(e!.message).toContain(device);
});

test.each([
  ["the node's own bridge and VXLAN device", [link("k3rs0", "10.42.0.1/24"), link("k3rs.vxlan", "10.42.0.0/32")]],
  ["another node's podCIDR on some interface", [link("br9", "10.42.1.1/24")]],
  ["IPv6 addresses", [link("eth0", "fe80::1/64")]],
  ["a /32 next door", [link("k3rs-svc0", "10.43.0.1/32")]],
])("accepts %s", (_, links) => {
  expect(check(...links)).toBeUndefined();
});

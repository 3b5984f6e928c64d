import { describe, expect, test } from "bun:test";
import { podDnsConfig } from "./pod-dns-config.ts";
import { pod } from "./test-objects.ts";

const node = { servers: ["192.168.1.1", "192.168.1.2"], searches: ["lan", "corp.example"], options: ["timeout:2", "edns0"] };
const cluster = { servers: ["10.43.0.10"], domain: "cluster.local" };

describe("podDnsConfig", () => {
  test.each([
    ["ClusterFirst by default", {}, { servers: ["10.43.0.10"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "lan", "corp.example"], options: ["ndots:5"] }],
    ["ClusterFirst", { dnsPolicy: "ClusterFirst" }, { servers: ["10.43.0.10"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "lan", "corp.example"], options: ["ndots:5"] }],
    ["Default is the node's resolv.conf", { dnsPolicy: "Default" }, node],
    ["ClusterFirst on the host network is Default", { hostNetwork: true }, node],
    ["ClusterFirstWithHostNet on the host network", { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }, { servers: ["10.43.0.10"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "lan", "corp.example"], options: ["ndots:5"] }],
    ["None without dnsConfig is empty", { dnsPolicy: "None" }, { servers: [], searches: [], options: [] }],
    [
      "None with dnsConfig",
      { dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: ["a.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } },
      { servers: ["1.1.1.1"], searches: ["a.example"], options: ["ndots:2", "edns0"] },
    ],
    [
      "dnsConfig merges into ClusterFirst: appended, de-duplicated, options by name",
      { dnsConfig: { nameservers: ["10.43.0.10", "9.9.9.9"], searches: ["lan", "extra.example"], options: [{ name: "ndots", value: "1" }, { name: "single-request" }] } },
      { servers: ["10.43.0.10", "9.9.9.9"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "lan", "corp.example", "extra.example"], options: ["ndots:1", "single-request"] },
    ],
  ])("%s", (_name, spec, want) => {
    expect(podDnsConfig(pod("shop", "p", "10.42.0.5", spec), node, cluster)).toEqual(want);
  });

  test("without a cluster DNS, ClusterFirst falls back to Default (as the kubelet does)", () => {
    expect(podDnsConfig(pod("shop", "p"), node, { servers: [], domain: "cluster.local" })).toEqual(node);
  });

  test("kubelet limits: 3 nameservers, 32 search domains", () => {
    const many = { servers: [], searches: Array.from({ length: 40 }, (_, i) => `d${i}.example`), options: [] };
    const c = podDnsConfig(pod("shop", "p", undefined, { dnsConfig: { nameservers: ["1.1.1.1", "2.2.2.2", "3.3.3.3"] } }), many, cluster);
    expect(c.servers).toEqual(["10.43.0.10", "1.1.1.1", "2.2.2.2"]);
    expect(c.searches).toHaveLength(32);
    expect(c.searches.slice(0, 3)).toEqual(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"]);
  });

  test("the result is what sandboxConfig takes as SandboxOptions.dns", () => {
    const c = podDnsConfig(pod("default", "p"), node, cluster);
    expect(Object.keys(c).sort()).toEqual(["options", "searches", "servers"]);
  });
});

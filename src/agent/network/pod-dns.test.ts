import { describe, expect, test } from "bun:test";
import { podDnsFor } from "./pod-dns.ts";

const NODE = { servers: ["192.168.1.1"], searches: ["lan"], options: ["edns0"] };
const dns = podDnsFor(NODE, { servers: ["10.43.0.10"], domain: "cluster.local" });
const pod = (spec: object) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "shop" }, spec: { containers: [], ...spec } });
const CLUSTER = { servers: ["10.43.0.10"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "lan"], options: ["ndots:5"] };

describe("each pod's resolver by dnsPolicy", () => {
  test.each([
    ["ClusterFirst (the default)", {}, CLUSTER],
    ["ClusterFirst given", { dnsPolicy: "ClusterFirst" }, CLUSTER],
    ["Default: the node's resolv.conf", { dnsPolicy: "Default" }, NODE],
    ["ClusterFirstWithHostNet on the host network", { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }, CLUSTER],
    ["None + dnsConfig", { dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: ["a.example"], options: [{ name: "ndots", value: "2" }] } }, { servers: ["1.1.1.1"], searches: ["a.example"], options: ["ndots:2"] }],
    ["ClusterFirst + dnsConfig merged", { dnsConfig: { options: [{ name: "ndots", value: "1" }] } }, { ...CLUSTER, options: ["ndots:1"] }],
  ] as const)("%s", (_, spec, want) => {
    expect(dns(pod(spec))).toEqual(want as any);
  });

  // The kubelet's podDNSHost: the --resolv-conf settings, not the runtime's copy of the
  // machine's /etc/resolv.conf (which `undefined` would leave in place).
  test.each([
    ["ClusterFirst (the default)", {}],
    ["ClusterFirst given", { dnsPolicy: "ClusterFirst" }],
    ["Default", { dnsPolicy: "Default" }],
  ] as const)("a host-network pod with %s gets the node's --resolv-conf settings", (_, spec) => {
    expect(dns(pod({ hostNetwork: true, ...spec }))).toEqual(NODE);
  });
});

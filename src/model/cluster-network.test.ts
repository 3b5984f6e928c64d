import { describe, expect, test } from "bun:test";
import { apiServiceIP, cidrHolds, clusterNetworkFrom, DEFAULT_CLUSTER_NETWORK, networkProblems, parseLbIngress } from "./cluster-network.ts";

describe("networkProblems", () => {
  test("K3s's defaults hold", () => expect(networkProblems(DEFAULT_CLUSTER_NETWORK)).toEqual([]));

  test.each([
    [{ clusterDns: "10.44.0.10" }, "--cluster-dns 10.44.0.10 is outside --service-cidr 10.43.0.0/16"],
    [{ clusterDns: "dns" }, '--cluster-dns "dns" is not an IPv4 address'],
    [{ serviceCidr: "10.43.0.0" }, '--service-cidr "10.43.0.0" is not an IPv4 network (want e.g. 10.42.0.0/16)'],
    [{ clusterDomain: "Cluster_Local" }, '--cluster-domain "Cluster_Local" is not a DNS domain (want e.g. cluster.local)'],
    [{ flannelBackend: "wireguard-native" }, '--flannel-backend "wireguard-native" is not one of vxlan, host-gw'],
  ] as const)("%o", (change, problem) => {
    expect(networkProblems({ ...DEFAULT_CLUSTER_NETWORK, ...(change as any) })).toEqual([problem]);
  });
});

describe("cidrHolds", () => {
  test.each([
    ["10.43.0.0/16", "10.43.0.10", true],
    ["10.43.0.0/16", "10.44.0.10", false],
    ["10.42.224.0/19", "10.42.255.1", true],
    ["10.42.224.0/19", "10.42.223.1", false],
    ["0.0.0.0/0", "192.0.2.1", true],
  ] as const)("%s holds %s: %p", (cidr, ip, want) => expect(cidrHolds(cidr, ip)).toBe(want));
});

describe("clusterNetworkFrom (what an agent accepts from the server)", () => {
  test("missing fields take the defaults (an older server)", () => {
    expect(clusterNetworkFrom({ clusterCidr: "10.42.224.0/19" })).toEqual({ ...DEFAULT_CLUSTER_NETWORK, clusterCidr: "10.42.224.0/19" });
  });

  test("unusable settings are refused, naming what is wrong", () => {
    expect(() => clusterNetworkFrom({ clusterDns: "10.99.0.10" })).toThrow("the server's network settings are not usable: --cluster-dns 10.99.0.10 is outside --service-cidr 10.43.0.0/16");
  });
});

describe("parseLbIngress", () => {
  test.each([
    [undefined, {}],
    ["", {}],
    ["not json", {}],
    ["[1,2]", {}],
    ['{"ns/a":["10.0.0.5",7],"ns/b":"x"}', { "ns/a": ["10.0.0.5"] }],
  ] as const)("%p", (value, want) => expect(parseLbIngress(value)).toEqual(want as Record<string, string[]>));
});

test.each([
  ["10.43.0.0/16", "10.43.0.1"],
  ["10.43.240.0/20", "10.43.240.1"],
  ["10.96.0.0/12", "10.96.0.1"],
  ["192.168.255.0/24", "192.168.255.1"],
])("apiServiceIP(%s) is the kubernetes Service's ClusterIP %s", (cidr, ip) => {
  expect(apiServiceIP(cidr)).toBe(ip);
});

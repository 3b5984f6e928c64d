import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter, servicePrinter } from "./network.ts";

const now = new Date("2024-05-01T12:00:00Z");
const meta = { name: "web", namespace: "default", creationTimestamp: "2024-05-01T11:59:30Z" };
const o = (kind: string, rest: any): KubeObject => ({ apiVersion: "v1", kind, metadata: meta, ...rest });

describe("service", () => {
  test("columns", () => {
    expect(servicePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0", "Type:0", "Cluster-IP:0", "External-IP:0", "Port(s):0", "Age:0", "Selector:1",
    ]);
  });

  test.each<[string, any, any, unknown[]]>([
    [
      "cluster IP",
      { type: "ClusterIP", clusterIP: "10.43.0.20", clusterIPs: ["10.43.0.20"], ports: [{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }], selector: { app: "web" } },
      {},
      ["web", "ClusterIP", "10.43.0.20", "<none>", "80/TCP,53/UDP", "30s", "app=web"],
    ],
    [
      "node port with external IPs",
      { type: "NodePort", clusterIPs: ["10.43.0.21"], externalIPs: ["1.2.3.4"], ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] },
      {},
      ["web", "NodePort", "10.43.0.21", "1.2.3.4", "80:30080/TCP", "30s", "<none>"],
    ],
    [
      "load balancer pending",
      { type: "LoadBalancer", clusterIPs: ["10.43.0.22"], ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }] },
      {},
      ["web", "LoadBalancer", "10.43.0.22", "<pending>", "443:31443/TCP", "30s", "<none>"],
    ],
    [
      "load balancer with ingress, sorted and deduplicated",
      { type: "LoadBalancer", clusterIPs: ["10.43.0.22"], ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }] },
      { loadBalancer: { ingress: [{ ip: "192.168.1.12" }, { ip: "192.168.1.11" }, { ip: "192.168.1.12" }] } },
      ["web", "LoadBalancer", "10.43.0.22", "192.168.1.11,192.168.1.12", "443:31443/TCP", "30s", "<none>"],
    ],
    [
      "headless, no ports",
      { type: "ClusterIP", clusterIP: "None", clusterIPs: ["None"] },
      {},
      ["web", "ClusterIP", "None", "<none>", "<none>", "30s", "<none>"],
    ],
    [
      "external name",
      { type: "ExternalName", externalName: "example.com" },
      {},
      ["web", "ExternalName", "<none>", "example.com", "<none>", "30s", "<none>"],
    ],
  ])("%s", (_n, spec, status, cells) => {
    expect(servicePrinter.cells(o("Service", { spec, status }), now)).toEqual(cells);
  });
});

describe("endpoints", () => {
  test.each<[string, any, string]>([
    ["no subsets", [], "<none>"],
    ["one port", [{ addresses: [{ ip: "10.42.0.5" }, { ip: "10.42.1.7" }], ports: [{ port: 8080 }] }], "10.42.0.5:8080,10.42.1.7:8080"],
    ["headless without ports", [{ addresses: [{ ip: "10.42.0.5" }] }], "10.42.0.5"],
    ["ipv6 is bracketed", [{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 80 }] }], "[fd00::1]:80"],
    [
      "more than three",
      [{ addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }], ports: [{ port: 80 }, { port: 443 }] }, { addresses: [{ ip: "10.0.0.3" }], ports: [{ port: 80 }] }],
      "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...",
    ],
  ])("%s", (_n, subsets, want) => {
    expect(endpointsPrinter.cells(o("Endpoints", { subsets }), now)).toEqual(["web", want, "30s"]);
  });
});

test("endpointslice", () => {
  const slice = o("EndpointSlice", {
    addressType: "IPv4",
    ports: [{ name: "http", port: 80 }, { name: "named" }, {}, { port: 9000 }],
    endpoints: [{ addresses: ["10.42.0.5"] }, { addresses: ["10.42.0.6"] }],
  });
  expect(endpointSlicePrinter.cells(slice, now)).toEqual(["web", "IPv4", "80,named,* + 1 more...", "10.42.0.5,10.42.0.6", "30s"]);
  expect(endpointSlicePrinter.cells(o("EndpointSlice", { addressType: "IPv4" }), now)).toEqual(["web", "IPv4", "<unset>", "<unset>", "30s"]);
});

describe("ingress", () => {
  test.each<[string, any, any, unknown[]]>([
    ["catch-all", { rules: [{ http: {} }] }, {}, ["web", "<none>", "*", "", "80", "30s"]],
    [
      "class, hosts, tls, address",
      { ingressClassName: "k3rs", rules: [{ host: "a.example" }, { host: "b.example" }], tls: [{ hosts: ["a.example"] }] },
      { loadBalancer: { ingress: [{ ip: "192.168.1.10" }] } },
      ["web", "k3rs", "a.example,b.example", "192.168.1.10", "80, 443", "30s"],
    ],
    [
      "more than three hosts",
      { rules: [{ host: "a" }, { host: "" }, { host: "b" }, { host: "c" }, { host: "d" }] },
      {},
      ["web", "<none>", "a,b,c + 2 more...", "", "80", "30s"],
    ],
  ])("%s", (_n, spec, status, cells) => {
    expect(ingressPrinter.cells(o("Ingress", { spec, status }), now)).toEqual(cells);
  });
});

test("networkpolicy", () => {
  expect(networkPolicyPrinter.cells(o("NetworkPolicy", { spec: { podSelector: {} } }), now)).toEqual(["web", "<none>", "30s"]);
  expect(networkPolicyPrinter.cells(o("NetworkPolicy", { spec: { podSelector: { matchLabels: { app: "db" } } } }), now)).toEqual(["web", "app=db", "30s"]);
});

test("ingressclass", () => {
  expect(ingressClassPrinter.cells(o("IngressClass", { spec: { controller: "k3rs.io/ingress" } }), now)).toEqual(["web", "k3rs.io/ingress", "<none>", "30s"]);
  const parameters = { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external-lb" };
  expect(ingressClassPrinter.cells(o("IngressClass", { spec: { controller: "example.com/ingress", parameters } }), now)[2]).toBe("IngressParameters.k8s.example.com/external-lb");
});

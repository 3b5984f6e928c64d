import { describe, expect, test } from "bun:test";
import { LB_INGRESS_ANNOTATION } from "../../model/cluster-network.ts";
import { ingressMatches, isServiceLbService, lbIngress } from "./plan.ts";

const node = (name: string, report?: Record<string, string[]> | string, deleting = false, externalIPs: string[] = []) => ({
  apiVersion: "v1", kind: "Node",
  metadata: { name, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}), ...(report ? { annotations: { [LB_INGRESS_ANNOTATION]: typeof report === "string" ? report : JSON.stringify(report) } } : {}) },
  status: { addresses: [{ type: "InternalIP", address: "10.9.9.9" }, ...externalIPs.map((address) => ({ type: "ExternalIP", address }))] },
});
const svc = (spec: object, ingress?: object[]) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "lb", namespace: "ns" }, spec, ...(ingress ? { status: { loadBalancer: { ingress } } } : {}) });

describe("lbIngress: the union of live nodes' reports", () => {
  test.each([
    ["no node reports it", [node("a"), node("b", { "ns/other": ["10.0.0.9"] })], []],
    ["each node its IPs, sorted numerically, without repeats", [node("b", { "ns/lb": ["10.0.0.10", "10.0.0.2"] }), node("a", { "ns/lb": ["10.0.0.9", "10.0.0.2"] })], ["10.0.0.2", "10.0.0.9", "10.0.0.10"]],
    ["a node being deleted counts no more", [node("a", { "ns/lb": ["10.0.0.1"] }), node("b", { "ns/lb": ["10.0.0.2"] }, true)], ["10.0.0.1"]],
    ["a malformed report is ignored", [node("a", "{oops"), node("b", { "ns/lb": ["10.0.0.2"] })], ["10.0.0.2"]],
    // K3s servicelb: when a serving node has an ExternalIP, only ExternalIPs are listed
    ["a node with --node-external-ip: its ExternalIP, not its internal one", [node("a", { "ns/lb": ["10.0.0.1", "203.0.113.7"] }, false, ["203.0.113.7"])], ["203.0.113.7"]],
    ["an ExternalIP not held on the node (NAT) is listed all the same", [node("a", { "ns/lb": ["10.0.0.1"] }, false, ["203.0.113.7"])], ["203.0.113.7"]],
    ["one node with an ExternalIP: only ExternalIPs, of every serving node", [node("a", { "ns/lb": ["10.0.0.1"] }, false, ["203.0.113.7"]), node("b", { "ns/lb": ["10.0.0.2"] }), node("c", { "ns/lb": ["10.0.0.3"] }, false, ["203.0.113.9"])], ["203.0.113.7", "203.0.113.9"]],
    ["a node not serving the Service gives no ExternalIP", [node("a", { "ns/other": ["10.0.0.1"] }, false, ["203.0.113.7"]), node("b", { "ns/lb": ["10.0.0.2"] })], ["10.0.0.2"]],
  ] as const)("%s", (_, nodes, want) => {
    expect(lbIngress("ns/lb", nodes as any)).toEqual(want.map((ip) => ({ ip })));
  });
});

describe("which Services ServiceLB answers for", () => {
  test.each([
    [{ type: "LoadBalancer" }, true],
    [{ type: "LoadBalancer", loadBalancerClass: "example.com/lb" }, false],
    [{ type: "NodePort" }, false],
    [{}, false],
  ] as const)("%o → %p", (spec, want) => expect(isServiceLbService(svc(spec))).toBe(want));
});

describe("ingressMatches", () => {
  test.each([
    [undefined, [], true],
    [[{ ip: "10.0.0.1" }], [{ ip: "10.0.0.1" }], true],
    [[{ ip: "10.0.0.1" }], [], false],
    [[{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }], [{ ip: "10.0.0.2" }, { ip: "10.0.0.1" }], false],
    [[{ hostname: "x", ip: "10.0.0.1" }], [{ ip: "10.0.0.1" }], false],
  ] as const)("%o vs %o → %p", (have, want, match) => expect(ingressMatches(svc({ type: "LoadBalancer" }, have as any), want as any)).toBe(match));
});

import { expect, test } from "bun:test";
import type { Node } from "../../model/kinds.ts";
import { EXCLUDE_LABEL, ingressAddresses, sameIngressList } from "./plan.ts";

function node(name: string, ip: string | undefined, ready: boolean, o: { external?: string; labels?: Record<string, string> } = {}): Node {
  const addresses = [...(ip ? [{ type: "InternalIP", address: ip }] : []), ...(o.external ? [{ type: "ExternalIP", address: o.external }] : []), { type: "Hostname", address: name }];
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: o.labels }, status: { addresses, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] } } as Node;
}

test.each([
  ["ready nodes, sorted numerically", [node("b", "10.0.0.10", true), node("a", "10.0.0.9", true)], ["10.0.0.9", "10.0.0.10"]],
  ["a NotReady node is left out", [node("a", "10.0.0.1", true), node("b", "10.0.0.2", false)], ["10.0.0.1"]],
  ["ExternalIP when there is no InternalIP", [node("a", undefined, true, { external: "203.0.113.5" })], ["203.0.113.5"]],
  ["excluded from load balancers by label", [node("a", "10.0.0.1", true, { labels: { [EXCLUDE_LABEL]: "" } }), node("b", "10.0.0.2", true)], ["10.0.0.2"]],
  ["no ready node: an empty list", [node("a", "10.0.0.1", false)], []],
] as [string, Node[], string[]][])("%s", (_, nodes, want) => {
  expect(ingressAddresses(nodes).map((x) => x.ip)).toEqual(want);
});

test("sameIngressList compares order and extra fields", () => {
  expect(sameIngressList([{ ip: "1.1.1.1" }], [{ ip: "1.1.1.1" }])).toBe(true);
  expect(sameIngressList(undefined, [])).toBe(false);
  expect(sameIngressList([{ ip: "1.1.1.1", hostname: "x" }], [{ ip: "1.1.1.1" }])).toBe(false);
  expect(sameIngressList([{ ip: "2.2.2.2" }, { ip: "1.1.1.1" }], [{ ip: "1.1.1.1" }, { ip: "2.2.2.2" }])).toBe(false);
});

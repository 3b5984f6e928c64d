import { describe, expect, test } from "bun:test";
import { ownNodeAnnotations, peersFromNodes, VTEP_MAC_ANNOTATION } from "./peers.ts";
import { routedNode } from "./test-nodes.ts";
import type { Backend } from "./types.ts";

const self = (backend: Backend) => ({ nodeName: "a", nodeIP: "172.31.0.1", podCIDR: "10.42.0.0/24", clusterCIDR: "10.42.0.0/16", backend });
const MAC = "0a:00:00:00:00:02";

describe("peersFromNodes", () => {
  test.each([
    ["own node", routedNode("a", { podCIDR: "10.42.0.0/24", ip: "172.31.0.1", mac: MAC }), undefined],
    ["no podCIDR yet", routedNode("b", { ip: "172.31.0.2", mac: MAC }), "no podCIDR yet"],
    ["no InternalIP yet", routedNode("b", { podCIDR: "10.42.1.0/24", mac: MAC }), "no IPv4 InternalIP yet"],
    ["podCIDR not a network", routedNode("b", { podCIDR: "10.42.1.7/24", ip: "172.31.0.2", mac: MAC }), "is not an IPv4 network"],
    ["podCIDR outside the cluster", routedNode("b", { podCIDR: "0.0.0.0/0", ip: "172.31.0.2", mac: MAC }), "outside the cluster CIDR"],
    ["podCIDR overlapping ours", routedNode("b", { podCIDR: "10.42.0.0/24", ip: "172.31.0.2", mac: MAC }), "overlaps this node's"],
    ["our own IP", routedNode("b", { podCIDR: "10.42.1.0/24", ip: "172.31.0.1", mac: MAC }), "this node's own"],
    ["vxlan without MAC", routedNode("b", { podCIDR: "10.42.1.0/24", ip: "172.31.0.2" }), `no ${VTEP_MAC_ANNOTATION}`],
    ["vxlan with a bad MAC", routedNode("b", { podCIDR: "10.42.1.0/24", ip: "172.31.0.2", mac: "zz" }), "is not a MAC"],
  ])("skips a node with %s", (_, node, reason) => {
    const r = peersFromNodes([node], self("vxlan"));
    expect(r.peers).toEqual([]);
    if (reason === undefined) expect(r.skipped).toEqual([]);
    else expect(r.skipped).toEqual([{ name: "b", reason: expect.stringContaining(reason) }]);
  });

  test("host-gw needs no MAC; vxlan carries it, lower-cased; peers come sorted by name", () => {
    const nodes = [routedNode("c", { podCIDR: "10.42.2.0/24", ip: "172.31.0.3", mac: "0A:00:00:00:00:03" }), routedNode("b", { podCIDR: "10.42.1.0/24", ip: "172.31.0.2" })];
    expect(peersFromNodes(nodes, self("host-gw")).peers).toEqual([
      { name: "b", nodeIP: "172.31.0.2", podCIDR: "10.42.1.0/24" },
      { name: "c", nodeIP: "172.31.0.3", podCIDR: "10.42.2.0/24" },
    ]);
    const vx = peersFromNodes(nodes, self("vxlan"));
    expect(vx.peers).toEqual([{ name: "c", nodeIP: "172.31.0.3", podCIDR: "10.42.2.0/24", vtepMac: "0a:00:00:00:00:03" }]);
    expect(vx.skipped.map((s) => s.name)).toEqual(["b"]);
  });

  test("of two nodes claiming one podCIDR the first by name wins, stably", () => {
    const nodes = [routedNode("z", { podCIDR: "10.42.1.0/24", ip: "172.31.0.9" }), routedNode("b", { podCIDR: "10.42.1.0/24", ip: "172.31.0.2" })];
    const r = peersFromNodes(nodes, self("host-gw"));
    expect(r.peers.map((p) => p.name)).toEqual(["b"]);
    expect(r.skipped).toEqual([{ name: "z", reason: "podCIDR 10.42.1.0/24 overlaps node b's 10.42.1.0/24" }]);
  });
});

test("ownNodeAnnotations publishes the MAC under vxlan and clears it otherwise", () => {
  expect(ownNodeAnnotations("vxlan", MAC)).toEqual({ [VTEP_MAC_ANNOTATION]: MAC });
  expect(ownNodeAnnotations("host-gw", MAC)).toEqual({ [VTEP_MAC_ANNOTATION]: null });
});

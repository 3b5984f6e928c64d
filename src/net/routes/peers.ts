/**
 * The other nodes a node routes pod traffic to, read from Node objects; and what a node
 * publishes on its own Node so the others can reach it over VXLAN (flannel publishes the same
 * in `flannel.alpha.coreos.com/backend-data`).
 */
import type { KubeObject } from "../../model/object.ts";
import { cidrsOverlap, parseCidr, parseIPv4 } from "./ipv4.ts";
import type { Backend, Peer, RoutesConfig } from "./types.ts";

/** The MAC of a node's VXLAN device: the link-layer address its pods' packets are sent to. */
export const VTEP_MAC_ANNOTATION = "k3rs.io/vtep-mac";

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export interface SkippedNode {
  name: string;
  reason: string;
}

export interface Peers {
  /** sorted by name, so planning is stable */
  peers: Peer[];
  skipped: SkippedNode[];
}

/**
 * Every other node that can be routed to. A node is skipped (with the reason) while it has no
 * podCIDR or InternalIP yet, when its podCIDR lies outside the cluster CIDR or overlaps this
 * node's or an earlier peer's (a route for it would capture someone else's traffic), and
 * under vxlan while it has not published its VTEP MAC.
 */
export function peersFromNodes(nodes: Iterable<KubeObject>, cfg: Pick<RoutesConfig, "nodeName" | "nodeIP" | "podCIDR" | "clusterCIDR" | "backend">): Peers {
  const own = parseCidr(cfg.podCIDR);
  const cluster = parseCidr(cfg.clusterCIDR);
  const sorted = [...nodes].filter((n) => n.metadata.name !== cfg.nodeName).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const peers: Peer[] = [];
  const skipped: SkippedNode[] = [];
  for (const node of sorted) {
    const name = node.metadata.name ?? "";
    const skip = (reason: string) => skipped.push({ name, reason });
    const podCIDR: unknown = node.spec?.podCIDR;
    if (typeof podCIDR !== "string" || podCIDR === "") {
      skip("no podCIDR yet");
      continue;
    }
    const cidr = parseCidr(podCIDR);
    if (!cidr) {
      skip(`podCIDR ${JSON.stringify(podCIDR)} is not an IPv4 network`);
      continue;
    }
    if (!cluster || cidr.prefix < cluster.prefix || !cidrsOverlap(cidr, cluster)) {
      skip(`podCIDR ${podCIDR} is outside the cluster CIDR ${cfg.clusterCIDR}`);
      continue;
    }
    if (own && cidrsOverlap(cidr, own)) {
      skip(`podCIDR ${podCIDR} overlaps this node's ${cfg.podCIDR}`);
      continue;
    }
    const clash = peers.find((p) => cidrsOverlap(parseCidr(p.podCIDR)!, cidr));
    if (clash) {
      skip(`podCIDR ${podCIDR} overlaps node ${clash.name}'s ${clash.podCIDR}`);
      continue;
    }
    const nodeIP = internalIP(node);
    if (!nodeIP) {
      skip("no IPv4 InternalIP yet");
      continue;
    }
    if (nodeIP === cfg.nodeIP) {
      skip(`InternalIP ${nodeIP} is this node's own`);
      continue;
    }
    const peer: Peer = { name, nodeIP, podCIDR };
    if (cfg.backend === "vxlan") {
      const mac = node.metadata.annotations?.[VTEP_MAC_ANNOTATION]?.toLowerCase();
      if (!mac) {
        skip(`no ${VTEP_MAC_ANNOTATION} annotation yet`);
        continue;
      }
      if (!MAC.test(mac)) {
        skip(`${VTEP_MAC_ANNOTATION} ${JSON.stringify(mac)} is not a MAC address`);
        continue;
      }
      peer.vtepMac = mac;
    }
    peers.push(peer);
  }
  return { peers, skipped };
}

function internalIP(node: KubeObject): string | undefined {
  for (const a of node.status?.addresses ?? []) if (a?.type === "InternalIP" && typeof a.address === "string" && parseIPv4(a.address) !== undefined) return a.address;
  return undefined;
}

/**
 * The annotations a node sets on its own Node (as a JSON merge patch of
 * `metadata.annotations`: `null` removes one), given its backend and its VXLAN device's MAC.
 *
 * @example
 *   ownNodeAnnotations("vxlan", "0a:58:0a:2a:00:00") // { "k3rs.io/vtep-mac": "0a:58:0a:2a:00:00" }
 *   ownNodeAnnotations("host-gw")                    // { "k3rs.io/vtep-mac": null }
 */
export function ownNodeAnnotations(backend: Backend, vtepMac?: string): Record<string, string | null> {
  return { [VTEP_MAC_ANNOTATION]: backend === "vxlan" && vtepMac ? vtepMac : null };
}

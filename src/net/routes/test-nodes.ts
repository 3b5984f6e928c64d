/** Node objects for the routing tests: only what routing reads. */
import type { KubeObject } from "../../model/object.ts";
import { VTEP_MAC_ANNOTATION } from "./peers.ts";

export function routedNode(name: string, o: { podCIDR?: string; ip?: string; mac?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, ...(o.mac ? { annotations: { [VTEP_MAC_ANNOTATION]: o.mac } } : {}) },
    spec: o.podCIDR ? { podCIDR: o.podCIDR, podCIDRs: [o.podCIDR] } : {},
    status: { addresses: [{ type: "Hostname", address: name }, ...(o.ip ? [{ type: "InternalIP", address: o.ip }] : [])] },
  };
}

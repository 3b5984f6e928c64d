import type { KubeObject } from "../../model/object.ts";
import { withoutManagedFields } from "../../model/managed-fields.ts";

/**
 * What the node network reads of a Node: its metadata (name, the VTEP MAC annotation), spec
 * (podCIDR) and status.addresses (routes, the DNS's node names, this node's own addresses).
 * Every agent watches every Node, and a Node's status is mostly what no agent reads — up to 50
 * images with their names, conditions with messages, capacity, nodeInfo — as are its managedFields.
 */
export function slimNode(n: KubeObject): KubeObject {
  const { metadata } = withoutManagedFields(n);
  return { apiVersion: n.apiVersion, kind: n.kind, metadata, spec: n.spec, status: { addresses: n.status?.addresses } };
}

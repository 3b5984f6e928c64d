/**
 * The node authorizer (kubernetes `plugin/pkg/auth/authorizer/node/node_authorizer.go`): a
 * user `system:node:<name>` in `system:nodes` may do what the node rules allow, and reads
 * Secrets, ConfigMaps, PersistentVolumeClaims and PersistentVolumes, and asks tokens for
 * service accounts, only where a pod bound to it needs them — one at a time (a get, or a list
 * or watch by name), never a whole collection. What it may write is narrowed further by
 * NodeRestriction admission (its own Node and Lease, its own pods). Others get no opinion from
 * it (RBAC decides for them).
 */
import type { AuthorizationRequest, Authorizer, Decision, UserInfo } from "../types.ts";
import { ruleAllows } from "../rbac/rule-match.ts";
import { NODE_RULES } from "./node-rules.ts";
import type { NodeGraph } from "./node-graph.ts";

export const NODES_GROUP = "system:nodes";
const NODE_PREFIX = "system:node:";

/** The node a user is, or undefined when it is no node identity. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.user.startsWith(NODE_PREFIX)) return undefined;
  const name = user.user.slice(NODE_PREFIX.length);
  return name === "" ? undefined : name;
}

const TLS_SECRETS = new Set(["type=kubernetes.io/tls", "type==kubernetes.io/tls"]);

const GRAPH_KINDS = new Set(["secrets", "configmaps", "persistentvolumeclaims", "persistentvolumes"]);

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(req: AuthorizationRequest): Decision {
    const node = nodeNameOf(req.user);
    if (node === undefined) return { allowed: false };
    if (req.resourceRequest && req.group === "") {
      if (GRAPH_KINDS.has(req.resource) && !req.subresource) return this.graphRead(node, req);
      if (req.resource === "serviceaccounts" && req.subresource === "token") {
        if (req.verb !== "create" || !req.name || !req.namespace) return { allowed: false, reason: "can only create tokens for individual service accounts" };
        if (!this.graph.nodeRunsServiceAccount(node, req.namespace, req.name)) return noRelationship(node);
      }
    }
    return NODE_RULES.some((r) => ruleAllows(req, r)) ? { allowed: true } : { allowed: false };
  }

  private graphRead(node: string, req: AuthorizationRequest): Decision {
    // The local-path sweep lists volumes to find this node's directories: PVs hold no secrets.
    if (req.resource === "persistentvolumes" && (req.verb === "list" || req.verb === "watch")) return { allowed: true };
    // Every node serves Ingress (net/ingress) and terminates TLS with the certificates Ingresses
    // name, as K3s's Traefik reads them cluster-wide: TLS Secrets only, asked by that selector.
    if (req.resource === "secrets" && (req.verb === "list" || req.verb === "watch") && !req.namespace && TLS_SECRETS.has(req.fieldSelector ?? "")) return { allowed: true };
    // One object at a time: a get, or a list or watch of it by name (attributes.ts), the
    // kubelet's watch that keeps a pod's ConfigMap and Secret volumes current.
    if (!["get", "list", "watch"].includes(req.verb)) return { allowed: false, reason: "can only read resources of this type" };
    if (!req.name) return { allowed: false, reason: "can only get individual resources of this type" };
    const ns = req.namespace ?? "";
    const related = {
      secrets: () => this.graph.nodeReferences(node, ns, "secrets", req.name!),
      configmaps: () => this.graph.nodeReferences(node, ns, "configMaps", req.name!),
      persistentvolumeclaims: () => this.graph.nodeReferences(node, ns, "claims", req.name!),
      persistentvolumes: () => this.graph.nodeUsesVolume(node, req.name!),
    }[req.resource as "secrets"]();
    return related ? { allowed: true } : noRelationship(node);
  }
}

function noRelationship(node: string): Decision {
  return { allowed: false, reason: `no relationship found between node '${node}' and this object` };
}

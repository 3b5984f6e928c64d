/** The rbac.authorization.k8s.io/v1 shapes the authorizer reads (wire form, as stored). */
import type { KubeObject } from "../../../model/object.ts";

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: "User" | "Group" | "ServiceAccount" | string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: "Role" | "ClusterRole" | string;
  name: string;
}

export interface RoleObject extends KubeObject {
  rules?: PolicyRule[] | null;
  aggregationRule?: { clusterRoleSelectors?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }[] } | null;
}

export interface BindingObject extends KubeObject {
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

/** Where the authorizer finds roles and bindings (informer caches in the server, plain lists in tests). */
export interface PolicySource {
  clusterRoleBindings(): BindingObject[];
  roleBindings(namespace: string): BindingObject[];
  clusterRole(name: string): RoleObject | undefined;
  role(namespace: string, name: string): RoleObject | undefined;
}

export const RBAC_GROUP = "rbac.authorization.k8s.io";

/**
 * The roles and bindings every cluster has, as Kubernetes ships them
 * (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`), cut to what k3rs serves or
 * may soon: cluster-admin for `system:masters`; admin ⊇ edit ⊇ view built by aggregation from
 * the `system:aggregate-to-*` roles; the roles every authenticated user holds (discovery,
 * basic-user, public-info-viewer). The scheduler and controllers run inside the server and
 * write through its storage, not over HTTP, so they need no roles.
 */
import type { BindingObject, PolicyRule, RoleObject } from "../../api/auth/rbac/types.ts";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const RW = [...READ, ...WRITE];
const AGG = "rbac.authorization.k8s.io/aggregate-to-";
const BOOTSTRAP = { "kubernetes.io/bootstrapping": "rbac-defaults" };
const AUTOUPDATE = { "rbac.authorization.kubernetes.io/autoupdate": "true" };

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: string): RoleObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name, labels: { ...BOOTSTRAP, ...labels }, annotations: { ...AUTOUPDATE } },
    rules,
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: "true" } }] } } : {}),
  };
}

function clusterBinding(name: string, role: string, groups: string[]): BindingObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { ...BOOTSTRAP }, annotations: { ...AUTOUPDATE } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: groups.map((g) => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: g })),
  };
}

const VIEW_RULES: PolicyRule[] = [
  rule(READ, [""], ["pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status",
    "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"]),
  rule(READ, [""], ["limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status",
    "replicationcontrollers/status", "pods/log"]),
  rule(READ, [""], ["namespaces"]),
  rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
  rule(READ, ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
    "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"]),
  rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
  rule(READ, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
  rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
  rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
  rule(READ, ["metrics.k8s.io"], ["pods", "nodes"]),
];

const EDIT_RULES: PolicyRule[] = [
  rule(["impersonate"], [""], ["serviceaccounts"]),
  rule(WRITE, [""], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
  rule(["create"], [""], ["pods/eviction"]),
  rule(READ, [""], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
  rule(WRITE, [""], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy",
    "persistentvolumeclaims", "configmaps", "secrets", "events"]),
  rule(["create"], [""], ["serviceaccounts/token"]),
  rule(WRITE, ["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale",
    "statefulsets", "statefulsets/scale"]),
  rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
  rule(WRITE, ["batch"], ["cronjobs", "jobs"]),
  rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
  rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
  rule(RW, ["coordination.k8s.io"], ["leases"]),
];

const ADMIN_RULES: PolicyRule[] = [
  rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
  rule(RW, ["rbac.authorization.k8s.io"], ["rolebindings", "roles"]),
];

export const DEFAULT_CLUSTER_ROLES: RoleObject[] = [
  clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])]),
  clusterRole("admin", [], {}, `${AGG}admin`),
  clusterRole("edit", [], { [`${AGG}admin`]: "true" }, `${AGG}edit`),
  clusterRole("view", [], { [`${AGG}edit`]: "true" }, `${AGG}view`),
  clusterRole("system:aggregate-to-admin", ADMIN_RULES, { [`${AGG}admin`]: "true" }),
  clusterRole("system:aggregate-to-edit", EDIT_RULES, { [`${AGG}edit`]: "true" }),
  clusterRole("system:aggregate-to-view", VIEW_RULES, { [`${AGG}view`]: "true" }),
  clusterRole("system:basic-user", [
    rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
    rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
  ]),
  clusterRole("system:discovery", [
    urls(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]),
  ]),
  clusterRole("system:public-info-viewer", [urls(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"])]),
  clusterRole("system:monitoring", [urls(["get"], ["/metrics", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*"])]),
  clusterRole("system:service-account-issuer-discovery", [urls(["get"], ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"])]),
];

export const DEFAULT_CLUSTER_ROLE_BINDINGS: BindingObject[] = [
  clusterBinding("cluster-admin", "cluster-admin", ["system:masters"]),
  clusterBinding("system:basic-user", "system:basic-user", ["system:authenticated"]),
  clusterBinding("system:discovery", "system:discovery", ["system:authenticated"]),
  clusterBinding("system:public-info-viewer", "system:public-info-viewer", ["system:authenticated", "system:unauthenticated"]),
  clusterBinding("system:monitoring", "system:monitoring", ["system:monitoring"]),
  clusterBinding("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", ["system:serviceaccounts"]),
];

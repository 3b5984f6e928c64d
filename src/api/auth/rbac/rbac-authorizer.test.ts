import { describe, expect, test } from "bun:test";
import { RbacAuthorizer } from "./rbac-authorizer.ts";
import type { BindingObject, PolicySource, RoleObject } from "./types.ts";

const role = (name: string, ns: string | undefined, rules: RoleObject["rules"]): RoleObject => ({ apiVersion: "", kind: ns ? "Role" : "ClusterRole", metadata: { name, namespace: ns }, rules });
const binding = (name: string, ns: string | undefined, kind: string, roleName: string, subjects: BindingObject["subjects"]): BindingObject => ({
  apiVersion: "", kind: ns ? "RoleBinding" : "ClusterRoleBinding", metadata: { name, namespace: ns },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: roleName }, subjects,
});

function source(roles: RoleObject[], bindings: BindingObject[]): PolicySource {
  return {
    clusterRoleBindings: () => bindings.filter((b) => !b.metadata.namespace),
    roleBindings: (ns) => bindings.filter((b) => b.metadata.namespace === ns),
    clusterRole: (n) => roles.find((r) => !r.metadata.namespace && r.metadata.name === n),
    role: (ns, n) => roles.find((r) => r.metadata.namespace === ns && r.metadata.name === n),
  };
}

const readSecrets = [{ verbs: ["get", "list"], apiGroups: [""], resources: ["secrets"] }];
const authz = new RbacAuthorizer(source(
  [role("secret-reader", undefined, readSecrets), role("local", "a", [{ verbs: ["create"], apiGroups: [""], resources: ["configmaps"] }])],
  [
    binding("devs-read", "a", "ClusterRole", "secret-reader", [{ kind: "Group", name: "devs" }]),
    binding("bob-local", "a", "Role", "local", [{ kind: "User", name: "bob" }]),
    binding("sa-everywhere", undefined, "ClusterRole", "secret-reader", [{ kind: "ServiceAccount", name: "robot", namespace: "ci" }]),
    binding("sa-local", "b", "ClusterRole", "secret-reader", [{ kind: "ServiceAccount", name: "default" }]),
    binding("dangling", "c", "Role", "gone", [{ kind: "User", name: "bob" }]),
  ],
));
const ask = (user: string, groups: string[], verb: string, resource: string, namespace?: string) =>
  authz.authorize({ user: { user, groups }, verb, resourceRequest: true, group: "", resource, namespace, path: "" });

describe("RBAC", () => {
  test.each([
    ["a group's RoleBinding to a ClusterRole holds in its namespace", "alice", ["devs"], "list", "secrets", "a", true],
    ["… and only there", "alice", ["devs"], "list", "secrets", "b", false],
    ["… and not cluster-wide", "alice", ["devs"], "list", "secrets", undefined, false],
    ["a user's Role", "bob", [], "create", "configmaps", "a", true],
    ["a verb the role lacks", "bob", [], "delete", "configmaps", "a", false],
    ["a service account by its user name, cluster-wide", "system:serviceaccount:ci:robot", [], "get", "secrets", undefined, true],
    ["a service account subject without namespace is the binding's", "system:serviceaccount:b:default", [], "get", "secrets", "b", true],
    ["… not another namespace's account of that name", "system:serviceaccount:a:default", [], "get", "secrets", "b", false],
    ["nobody bound", "eve", ["system:authenticated"], "get", "secrets", "a", false],
  ] as const)("%s", (_n, user, groups, verb, resource, ns, want) => {
    expect(ask(user, [...groups], verb, resource, ns).allowed).toBe(want);
  });

  test("a binding to a missing role grants nothing and says so", () => {
    const d = ask("bob", [], "get", "pods", "c");
    expect(d).toEqual({ allowed: false, reason: 'RBAC: [role.rbac.authorization.k8s.io "gone" not found]' });
  });

  test("rulesFor: cluster-wide rules and the namespace's", () => {
    expect(authz.rulesFor({ user: "alice", groups: ["devs"] }, "a").rules).toEqual(readSecrets);
    expect(authz.rulesFor({ user: "alice", groups: ["devs"] }, "b").rules).toEqual([]);
  });
});

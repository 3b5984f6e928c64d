import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { clusterRoleBindingPrinter, createdAtPrinter } from "./rbac.ts";

const now = new Date("2024-05-01T12:00:00Z");

test("roles print NAME and CREATED AT like the apiserver's default convertor", () => {
  const role: KubeObject = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "view", creationTimestamp: "2024-04-01T08:30:00Z" } };
  expect(createdAtPrinter.columns.map((c) => [c.name, c.type])).toEqual([["Name", "string"], ["Created At", "date"]]);
  expect(createdAtPrinter.cells(role, now)).toEqual(["view", "2024-04-01T08:30:00Z"]);
});

test("cluster role binding with every subject kind", () => {
  const crb: KubeObject = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "admins", creationTimestamp: "2024-05-01T11:00:00Z" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [
      { kind: "User", name: "alice" },
      { kind: "User", name: "bob" },
      { kind: "Group", name: "system:masters" },
      { kind: "ServiceAccount", namespace: "kube-system", name: "ctl" },
    ],
  };
  expect(clusterRoleBindingPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual(["Name:0", "Role:0", "Age:0", "Users:1", "Groups:1", "ServiceAccounts:1"]);
  expect(clusterRoleBindingPrinter.cells(crb, now)).toEqual(["admins", "ClusterRole/cluster-admin", "60m", "alice, bob", "system:masters", "kube-system/ctl"]);
});

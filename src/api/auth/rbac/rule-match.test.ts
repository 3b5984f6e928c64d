import { describe, expect, test } from "bun:test";
import { ruleAllows } from "./rule-match.ts";
import type { PolicyRule } from "./types.ts";

const res = (verb: string, group: string, resource: string, o: { sub?: string; name?: string; ns?: string } = {}) => ({
  verb, resourceRequest: true, group, resource, subresource: o.sub, name: o.name, namespace: o.ns, path: "",
});
const url = (verb: string, path: string) => ({ verb, resourceRequest: false, group: "", resource: "", path });

const podsRead: PolicyRule = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };
const anyScale: PolicyRule = { verbs: ["update"], apiGroups: ["apps"], resources: ["*/scale"] };
const all: PolicyRule = { verbs: ["*"], apiGroups: ["*"], resources: ["*"] };
const named: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["one"] };
const health: PolicyRule = { verbs: ["get"], nonResourceURLs: ["/healthz", "/apis/*"] };

describe("one rule against one request", () => {
  test.each([
    ["verb listed", podsRead, res("get", "", "pods"), true],
    ["verb not listed", podsRead, res("delete", "", "pods"), false],
    ["other group", podsRead, res("get", "apps", "pods"), false],
    ["a subresource is not its resource", podsRead, res("get", "", "pods", { sub: "log" }), false],
    ["*/scale matches any scale", anyScale, res("update", "apps", "deployments", { sub: "scale" }), true],
    ["*/scale is no other subresource", anyScale, res("update", "apps", "deployments", { sub: "status" }), false],
    ["*/scale is not the resource itself", anyScale, res("update", "apps", "deployments"), false],
    ["* matches everything, subresources too", all, res("create", "rbac.authorization.k8s.io", "roles", { sub: "x" }), true],
    ["resourceNames: the name", named, res("get", "", "configmaps", { name: "one" }), true],
    ["resourceNames: another name", named, res("get", "", "configmaps", { name: "two" }), false],
    ["resourceNames: a list has no name", named, res("get", "", "configmaps"), false],
    ["a URL rule exactly", health, url("get", "/healthz"), true],
    ["a URL rule as a prefix", health, url("get", "/apis/apps/v1"), true],
    ["a URL rule is no prefix without *", health, url("get", "/healthz/etcd"), false],
    ["a resource rule allows no URL", all, url("get", "/metrics"), false],
    ["a URL rule allows no resource", health, res("get", "", "healthz"), false],
  ] as const)("%s", (_n, rule, req, want) => {
    expect(ruleAllows(req as any, rule)).toBe(want);
  });
});

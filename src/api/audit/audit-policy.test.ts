import { describe, expect, test } from "bun:test";
import { decide, levelFor, parseAuditPolicy } from "./audit-policy.ts";

const policy = parseAuditPolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    users: ["system:kube-proxy"]
  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: None
    resources: [{ group: "", resources: ["events"] }]
  - level: Metadata
    resources: [{ group: "", resources: ["secrets", "configmaps"] }]
  - level: RequestResponse
    namespaces: ["prod"]
`);

const res = (verb: string, resource: string, namespace?: string, user = "alice") => ({ user: { user, groups: [] }, verb, resourceRequest: true, group: "", resource, namespace, path: "" });
const url = (path: string) => ({ user: { user: "alice", groups: [] }, verb: "get", resourceRequest: false, group: "", resource: "", path });

describe("audit policy: the first matching rule's level, None when none matches", () => {
  test.each([
    ["a user ruled out", res("get", "secrets", "a", "system:kube-proxy"), "None"],
    ["health paths by prefix", url("/healthz/ready"), "None"],
    ["events", res("create", "events", "a"), "None"],
    ["secrets", res("get", "secrets", "a"), "Metadata"],
    ["anything in prod", res("delete", "pods", "prod"), "RequestResponse"],
    ["anything else", res("delete", "pods", "dev"), "None"],
    ["a URL no rule names", url("/metrics"), "None"],
  ] as const)("%s", (_n, attrs, want) => {
    expect(levelFor(policy, attrs as any)).toBe(want);
  });

  test("a file that is no Policy, or a level that does not exist, is refused", () => {
    expect(() => parseAuditPolicy("kind: Pod")).toThrow("Policy of audit.k8s.io/v1");
    expect(() => parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Everything}]")).toThrow('rules[0].level: "Everything"');
  });
});

describe("audit policy: the apiserver's resource patterns, stages and managed fields", () => {
  const p = parseAuditPolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
omitManagedFields: true
rules:
  - level: RequestResponse
    resources: [{ group: "apps", resources: ["*/scale"] }]
    omitStages: [ResponseStarted]
    omitManagedFields: false
  - level: Request
    resources: [{ group: "", resources: ["pods/*"] }]
  - level: Metadata
    resources: [{ group: "", resources: ["configmaps"], resourceNames: ["chosen"] }]
  - level: Metadata
    namespaces: [""]
    verbs: ["get"]
`);
  const sub = (resource: string, subresource?: string, group = "", name?: string, namespace?: string, verb = "get") =>
    ({ user: { user: "u", groups: [] }, verb, resourceRequest: true, group, resource, subresource, name, namespace, path: "" }) as any;

  test.each([
    ["any resource's scale in the group", sub("deployments", "scale", "apps", "d", "a"), "RequestResponse"],
    ["not the resource itself", sub("deployments", undefined, "apps", "d", "a"), "None"],
    ["pods/* takes pods", sub("pods", undefined, "", "p", "a"), "Request"],
    ["… and its subresources", sub("pods", "log", "", "p", "a"), "Request"],
    ["a named object", sub("configmaps", undefined, "", "chosen", "a"), "Metadata"],
    ["resourceNames never match a list", sub("configmaps", undefined, "", undefined, "a", "list"), "None"],
    ['namespace "" is cluster scope', sub("nodes", undefined, "", "n1"), "Metadata"],
  ] as const)("%s", (_n, attrs, want) => {
    expect(levelFor(p, attrs)).toBe(want);
  });

  test("a rule's omitStages add to the policy's; its omitManagedFields overrides the policy's", () => {
    expect(decide(p, sub("deployments", "scale", "apps", "d", "a"))).toEqual({ level: "RequestResponse", omitStages: ["RequestReceived", "ResponseStarted"], omitManagedFields: false });
    expect(decide(p, sub("pods", undefined, "", "p", "a"))).toEqual({ level: "Request", omitStages: ["RequestReceived"], omitManagedFields: true });
  });

  test("a stage that does not exist, or nonResourceURLs beside resources, is refused", () => {
    expect(() => parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [Done]\nrules: []")).toThrow('omitStages: "Done"');
    expect(() => parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, nonResourceURLs: ['/x'], namespaces: ['a']}]")).toThrow("rules[0]: nonResourceURLs cannot be combined");
  });
});

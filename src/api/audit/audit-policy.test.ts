import { describe, expect, test } from "bun:test";
import { levelFor, parseAuditPolicy } from "./audit-policy.ts";

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

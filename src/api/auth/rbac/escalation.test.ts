import { describe, expect, test } from "bun:test";
import { escalationMessage, uncoveredRules } from "./escalation.ts";
import type { PolicyRule } from "./types.ts";

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });

describe("escalation: requested rules the owner's do not cover", () => {
  test.each([
    ["the same rule", [r(["get"], [""], ["pods"])], [r(["get"], [""], ["pods"])], []],
    ["a verb more", [r(["get"], [""], ["pods"])], [r(["get", "list"], [""], ["pods"])], [r(["list"], [""], ["pods"])]],
    ["* covers all", [r(["*"], ["*"], ["*"])], [r(["delete"], ["apps"], ["deployments/scale"])], []],
    ["asking * needs *", [r(["get", "list"], [""], ["pods"])], [r(["*"], [""], ["pods"])], [r(["*"], [""], ["pods"])]],
    ["a named owner rule covers that name only", [r(["get"], [""], ["secrets"], ["a"])], [r(["get"], [""], ["secrets"], ["a", "b"])], [r(["get"], [""], ["secrets"], ["b"])]],
    ["a named owner rule does not cover all names", [r(["get"], [""], ["secrets"], ["a"])], [r(["get"], [""], ["secrets"])], [r(["get"], [""], ["secrets"])]],
    ["*/scale covers a scale", [r(["update"], ["apps"], ["*/scale"])], [r(["update"], ["apps"], ["deployments/scale"])], []],
    ["URLs", [{ verbs: ["get"], nonResourceURLs: ["/apis/*"] }], [{ verbs: ["get"], nonResourceURLs: ["/apis/apps", "/metrics"] }], [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }]],
  ] as [string, PolicyRule[], PolicyRule[], PolicyRule[]][])("%s", (_n, owner, asked, missing) => {
    expect(uncoveredRules(owner, asked)).toEqual(missing);
  });

  test("told in the apiserver's words", () => {
    const missing = uncoveredRules([], [r(["get", "list"], [""], ["secrets"]), r(["get"], ["apps"], ["deployments"], ["web"])]);
    expect(escalationMessage({ user: "bob", groups: ["devs", "system:authenticated"] }, missing)).toBe(
      'user "bob" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}\n' +
        '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["web"], Verbs:["get"]}',
    );
  });
});

import { describe, expect, test } from "bun:test";
import { resolvedAuditSettings } from "./audit-settings.ts";

const MiB = 1024 * 1024;

describe("audit settings from the server's flags and --kube-apiserver-arg", () => {
  test("the K3s form alone", () => {
    expect(resolvedAuditSettings({ kubeApiserverArg: ["audit-log-path=/var/log/a.log", "audit-policy-file=/p.yaml", "audit-log-maxsize=5", "audit-log-maxbackup=3", "audit-log-maxage=30"] })).toEqual({
      path: "/var/log/a.log", policyFile: "/p.yaml", maxBytes: 5 * MiB, maxBackups: 3, maxAgeDays: 30,
    });
  });

  test("an explicit flag wins key by key; the keys it does not give still come from --kube-apiserver-arg", () => {
    const s = resolvedAuditSettings({ kubeApiserverArg: ["audit-log-path=/passed.log", "audit-log-maxbackup=7", "audit-log-maxage=9"], auditLogPath: "/flag.log", auditLogMaxbackup: 2 });
    expect(s).toEqual({ path: "/flag.log", policyFile: undefined, maxBytes: undefined, maxBackups: 2, maxAgeDays: 9 });
  });

  test("maxsize 0 is the default size (100 MB), either way", () => {
    expect(resolvedAuditSettings({ kubeApiserverArg: ["audit-log-maxsize=0"] }).maxBytes).toBeUndefined();
    expect(resolvedAuditSettings({ kubeApiserverArg: ["audit-log-maxsize=4"], auditLogMaxsize: 0 }).maxBytes).toBeUndefined();
  });

  test("no path: no audit log", () => {
    expect(resolvedAuditSettings({ kubeApiserverArg: [] }).path).toBeUndefined();
  });
});

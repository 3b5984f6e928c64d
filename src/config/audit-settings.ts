/**
 * The audit log's settings from both places K3s users put them: the server's own flags
 * (`--audit-log-path`, …, also config.yaml keys and K3RS_* variables) and the apiserver flags
 * passed through (`--kube-apiserver-arg audit-log-path=…`). A key given both ways takes the
 * server flag's value — the explicit flag wins — and the other keys still come from either.
 */
import { auditSettings, type AuditArgs } from "./component-args.ts";

/**
 * The server's flags this reads (ServerConfig extends it): the apiserver flags passed through,
 * and the audit log's own flags of the apiserver's names — each wins over the same key given
 * through kubeApiserverArg.
 */
export interface AuditFlags {
  /** Upstream apiserver flags as K3s passes them (`key=value`); see component-args.ts for the keys understood. */
  kubeApiserverArg: string[];
  auditLogPath?: string;
  auditPolicyFile?: string;
  /** MB, as `--audit-log-maxsize`. */
  auditLogMaxsize?: number;
  auditLogMaxbackup?: number;
  /** Days. */
  auditLogMaxage?: number;
}

/** Sizes in bytes and ages in days, ready for the audit log; `path` unset: no audit log. */
export function resolvedAuditSettings(cfg: AuditFlags): AuditArgs {
  const passed = auditSettings(cfg.kubeApiserverArg);
  return {
    path: cfg.auditLogPath ?? passed.path,
    policyFile: cfg.auditPolicyFile ?? passed.policyFile,
    maxBytes: cfg.auditLogMaxsize !== undefined ? megabytes(cfg.auditLogMaxsize) : passed.maxBytes,
    maxBackups: cfg.auditLogMaxbackup ?? passed.maxBackups,
    maxAgeDays: cfg.auditLogMaxage ?? passed.maxAgeDays,
  };
}

/** 0 MB is lumberjack's "the default" (100 MB), as the apiserver passes it on. */
function megabytes(mb: number): number | undefined {
  return mb > 0 ? mb * 1024 * 1024 : undefined;
}

/**
 * The audit log (`--audit-log-path`, K3s' `--kube-apiserver-arg audit-log-path=…`): one JSON
 * line per request, an audit.k8s.io/v1 Event at the level the policy gives (Metadata: who,
 * what, which object, the answer's code and the authorization decision). Rotated by size as
 * the apiserver's lumberjack does: the full file is renamed `<name>-<time><ext>` and a new one
 * begun; `maxBackups` old files are kept.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { randomUUID } from "node:crypto";
import type { AuthorizationRequest, UserInfo } from "../auth/types.ts";
import { levelFor, LOG_EVERYTHING, type AuditPolicy } from "./audit-policy.ts";
import { log } from "../../log.ts";

export interface AuditOptions {
  path: string;
  policy?: AuditPolicy;
  /** Rotate past this many bytes (`audit-log-maxsize`, in MB there). Default 100 MiB. */
  maxBytes?: number;
  /** Old files kept (`audit-log-maxbackup`). Default 10. */
  maxBackups?: number;
  now?: () => Date;
}

export interface AuditRecord {
  attrs: AuthorizationRequest;
  requestURI: string;
  /** Who authenticated, when it differs from attrs.user (impersonation). */
  authenticatedAs?: UserInfo;
  userAgent?: string;
  code: number;
  decision: "allow" | "forbid" | undefined;
  reason?: string;
  received: Date;
  /** A watch or stream: the response has started, not ended. */
  longRunning: boolean;
}

const userJson = (u: UserInfo) => ({ username: u.user, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) });

export class AuditLog {
  private readonly policy: AuditPolicy;
  private readonly maxBytes: number;
  private readonly maxBackups: number;
  private readonly now: () => Date;
  private size: number;

  constructor(private readonly o: AuditOptions) {
    this.policy = o.policy ?? LOG_EVERYTHING;
    this.maxBytes = o.maxBytes ?? 100 * 1024 * 1024;
    this.maxBackups = o.maxBackups ?? 10;
    this.now = o.now ?? (() => new Date());
    mkdirSync(dirname(o.path), { recursive: true, mode: 0o700 });
    this.size = existsSync(o.path) ? statSync(o.path).size : 0;
  }

  record(r: AuditRecord): void {
    const level = levelFor(this.policy, r.attrs);
    if (level === "None") return;
    const stage = r.longRunning ? "ResponseStarted" : "ResponseComplete";
    if (this.policy.omitStages?.includes(stage)) return;
    const a = r.attrs;
    const impersonated = r.authenticatedAs && r.authenticatedAs.user !== a.user.user;
    const event = {
      kind: "Event",
      apiVersion: "audit.k8s.io/v1",
      level: "Metadata",
      auditID: randomUUID(),
      stage,
      requestURI: r.requestURI,
      verb: a.verb,
      user: userJson(impersonated ? r.authenticatedAs! : a.user),
      ...(impersonated ? { impersonatedUser: userJson(a.user) } : {}),
      sourceIPs: [],
      ...(r.userAgent ? { userAgent: r.userAgent } : {}),
      ...(a.resourceRequest
        ? { objectRef: { resource: a.resource, ...(a.namespace ? { namespace: a.namespace } : {}), ...(a.name ? { name: a.name } : {}), apiGroup: a.group || undefined, apiVersion: a.version, ...(a.subresource ? { subresource: a.subresource } : {}) } }
        : {}),
      responseStatus: { metadata: {}, code: r.code },
      requestReceivedTimestamp: r.received.toISOString().replace("Z", "000Z"),
      stageTimestamp: this.now().toISOString().replace("Z", "000Z"),
      annotations: r.decision ? { "authorization.k8s.io/decision": r.decision, "authorization.k8s.io/reason": r.reason ?? "" } : {},
    };
    this.write(JSON.stringify(event) + "\n");
  }

  private write(line: string): void {
    try {
      if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate();
      appendFileSync(this.o.path, line, { mode: 0o600 });
      this.size += Buffer.byteLength(line);
    } catch (e) {
      // An audit failure never fails the request (the apiserver's log backend drops too); it is told.
      log.warn("audit: writing the log failed", { path: this.o.path, error: String(e) });
    }
  }

  private rotate(): void {
    const ext = extname(this.o.path);
    const base = basename(this.o.path, ext);
    const stamp = this.now().toISOString().replace(/:/g, "-");
    renameSync(this.o.path, join(dirname(this.o.path), `${base}-${stamp}${ext}`));
    this.size = 0;
    const old = readdirSync(dirname(this.o.path)).filter((f) => f.startsWith(`${base}-`) && f.endsWith(ext)).sort();
    for (const f of old.slice(0, Math.max(0, old.length - this.maxBackups))) rmSync(join(dirname(this.o.path), f), { force: true });
  }
}

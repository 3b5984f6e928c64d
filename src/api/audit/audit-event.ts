/**
 * The audit.k8s.io/v1 Event, field for field as the apiserver writes it (k8s.io/apiserver
 * pkg/apis/audit/v1 types.go): what is known of a request when each stage is told.
 */
import type { UserInfo } from "../auth/types.ts";
import type { AuditLevel, AuditStage } from "./audit-policy.ts";

export interface AuditUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

/** metav1.Status as the audit event keeps it: bounded fields only. */
export interface AuditResponseStatus {
  metadata: Record<string, never>;
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code: number;
}

export interface AuditEvent {
  kind: "Event";
  apiVersion: "audit.k8s.io/v1";
  level: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: AuditObjectRef;
  responseStatus?: AuditResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

export function auditUser(u: UserInfo): AuditUser {
  return { username: u.user, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace("Z", "000Z");
}

/** The bounded fields of a Status body (the apiserver copies these even at Metadata). */
export function responseStatusOf(code: number, body: unknown): AuditResponseStatus {
  const s = body as { kind?: unknown; status?: unknown; message?: unknown; reason?: unknown; details?: unknown } | undefined;
  if (!s || typeof s !== "object" || s.kind !== "Status") return { metadata: {}, code };
  return {
    metadata: {},
    ...(typeof s.status === "string" ? { status: s.status } : {}),
    ...(typeof s.message === "string" ? { message: s.message } : {}),
    ...(typeof s.reason === "string" ? { reason: s.reason } : {}),
    ...(s.details && typeof s.details === "object" ? { details: s.details } : {}),
    code,
  };
}

/**
 * `omitManagedFields`: the object without metadata.managedFields (each item's too, for a
 * list), copied so the object the handler holds is untouched.
 */
export function withoutManagedFields(obj: unknown): unknown {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return obj;
  const o = obj as { metadata?: Record<string, unknown>; items?: unknown };
  let out: Record<string, unknown> = o as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === "object" && "managedFields" in o.metadata) {
    const { managedFields: _dropped, ...metadata } = o.metadata;
    out = { ...out, metadata };
  }
  if (Array.isArray(o.items)) out = { ...out, items: o.items.map(withoutManagedFields) };
  return out;
}

/** Fills what the request body names and the path did not (a create's name), as LogRequestObject does. */
export function completeObjectRef(ref: AuditObjectRef | undefined, body: unknown): AuditObjectRef | undefined {
  const m = (body as { metadata?: Record<string, unknown> } | undefined)?.metadata;
  if (!ref || !m || typeof m !== "object") return ref;
  const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  return {
    ...ref,
    namespace: ref.namespace ?? text(m.namespace),
    name: ref.name ?? text(m.name),
    uid: ref.uid ?? text(m.uid),
    resourceVersion: ref.resourceVersion ?? text(m.resourceVersion),
  };
}

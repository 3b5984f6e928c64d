/**
 * The audit log (`--audit-log-path`, or K3s' `--kube-apiserver-arg audit-log-path=…`): JSON
 * lines of audit.k8s.io/v1 Events at the level the policy gives each request —
 *   Metadata         who, what, which object, the answer's code and Status, the decision;
 *   Request          and the request body (`requestObject`: the object sent, or the patch);
 *   RequestResponse  and the response body (`responseObject`), except for long-running
 *                    requests (watches, logs, exec), whose stream is not an object.
 * Stages, as the apiserver tells them: RequestReceived once authenticated; ResponseStarted
 * when a long-running request's headers go out; ResponseComplete when the body has ended (or
 * the client left); Panic instead of it when the handler failed unexpectedly (a 500).
 *
 * Kubernetes writes what the policy asks for, Secrets' data included: a Secret at Request is
 * logged with its `data`. The policy decides — the recommended one logs secrets, configmaps
 * and tokenreviews at Metadata only. Bodies are bounded: a request body by the transport's
 * limit, and any object over `maxObjectBytes` is left out with the apiserver truncate
 * plugin's annotation `audit.k8s.io/truncated: "true"`. Nothing here throws into a request.
 */
import { randomUUID } from "node:crypto";
import { parse as parseYaml } from "yaml";
import type { AuthorizationRequest, UserInfo } from "../auth/types.ts";
import { MAX_BODY_BYTES } from "../../http/limits.ts";
import { log } from "../../log.ts";
import { decide, LOG_EVERYTHING, type AuditDecision, type AuditPolicy, type AuditStage } from "./audit-policy.ts";
import { AuditFile } from "./audit-file.ts";
import { auditUser, completeObjectRef, microTime, responseStatusOf, withoutManagedFields, type AuditEvent } from "./audit-event.ts";
import type { Captured } from "./observe-body.ts";

export interface AuditOptions {
  /** A file, or "-" for standard output (as the apiserver reads it). */
  path: string;
  policy?: AuditPolicy;
  /** Rotate past this many bytes (`audit-log-maxsize`, in MB there). Default 100 MiB. */
  maxBytes?: number;
  /** Old files kept (`audit-log-maxbackup`); 0 keeps all, as the apiserver does. Default 0. */
  maxBackups?: number;
  /** Old files removed after this many days (`audit-log-maxage`); 0 never. Default 0. */
  maxAgeDays?: number;
  /** A request or response object larger than this is left out of its event. Default 3 MiB. */
  maxObjectBytes?: number;
  now?: () => Date;
  /** Where "-" writes (tests). */
  stdout?: (line: string) => void;
}

/** What is known of a request once it is authenticated. */
export interface AuditStart {
  /** The request as the policy sees it: the authenticated user, before impersonation (as the apiserver's filter order has it). */
  attrs: AuthorizationRequest;
  requestURI: string;
  userAgent?: string;
  sourceIPs: string[];
  received: Date;
  /** A watch or stream: ResponseStarted is told, and its body is never logged. */
  longRunning: boolean;
}

const TRUNCATED = "audit.k8s.io/truncated";
/** A Status body is small; at Metadata only this much of an error answer is read, for its message and reason. */
export const STATUS_CAPTURE_BYTES = 64 * 1024;

export class AuditLog {
  readonly maxObjectBytes: number;
  private readonly policy: AuditPolicy;
  private readonly out: AuditFile;
  readonly now: () => Date;

  constructor(o: AuditOptions) {
    this.policy = o.policy ?? LOG_EVERYTHING;
    this.now = o.now ?? (() => new Date());
    this.maxObjectBytes = o.maxObjectBytes ?? MAX_BODY_BYTES;
    this.out = new AuditFile({ path: o.path, maxBytes: o.maxBytes, maxBackups: o.maxBackups, maxAgeDays: o.maxAgeDays, now: this.now, stdout: o.stdout });
  }

  /** The request's audit, its RequestReceived told; undefined when the policy says None. */
  begin(s: AuditStart): RequestAudit | undefined {
    const d = decide(this.policy, s.attrs);
    if (d.level === "None") return undefined;
    const ra = new RequestAudit(this, d, s);
    ra.tell("RequestReceived");
    return ra;
  }

  /**
   * A request whose credentials failed (401, or 429 past its address's budget): one event at
   * ResponseStarted with no user and the methods tried, as the apiserver's failed-authentication
   * audit writes it. The policy sees no user, so rules naming users or groups do not match.
   */
  failedAuthentication(s: AuditStart, code: number, message: string): void {
    const d = decide(this.policy, s.attrs);
    if (d.level === "None") return;
    new RequestAudit(this, d, s).failed(code, message);
  }

  /** @internal one line; never throws. */
  write(event: AuditEvent): void {
    let line: string;
    try {
      line = JSON.stringify(event) + "\n";
    } catch (e) {
      log.warn("audit: an event could not be encoded", { auditID: event.auditID, error: String(e) });
      return;
    }
    this.out.write(line);
  }
}

/** One request's events: each stage writes the event as known by then. */
export class RequestAudit {
  readonly level: AuditDecision["level"];
  private readonly event: AuditEvent;
  private done = false;

  constructor(private readonly sink: AuditLog, private readonly d: AuditDecision, private readonly s: AuditStart) {
    this.level = d.level;
    const a = s.attrs;
    this.event = {
      kind: "Event",
      apiVersion: "audit.k8s.io/v1",
      level: d.level,
      auditID: randomUUID(),
      stage: "RequestReceived",
      requestURI: s.requestURI,
      verb: a.verb,
      user: auditUser(a.user),
      sourceIPs: s.sourceIPs,
      ...(s.userAgent ? { userAgent: s.userAgent } : {}),
      ...(a.resourceRequest
        ? { objectRef: { resource: a.resource, ...(a.namespace ? { namespace: a.namespace } : {}), ...(a.name ? { name: a.name } : {}), ...(a.group ? { apiGroup: a.group } : {}), apiVersion: a.version, ...(a.subresource ? { subresource: a.subresource } : {}) } }
        : {}),
      requestReceivedTimestamp: microTime(s.received),
      stageTimestamp: microTime(s.received),
    };
  }

  /** The request body is wanted: for requestObject (Request and up), or a create's or update's name and version for objectRef. */
  get wantsRequestBody(): boolean {
    return this.level !== "Metadata" || (this.s.attrs.resourceRequest && (this.s.attrs.verb === "create" || this.s.attrs.verb === "update"));
  }

  /** How much of the response body to copy: all (to the bound) at RequestResponse, a Status's worth for an error, none for a stream. */
  responseCaptureBytes(code: number): number {
    if (this.s.longRunning) return 0;
    if (this.level === "RequestResponse") return this.sink.maxObjectBytes;
    return code >= 400 ? STATUS_CAPTURE_BYTES : 0;
  }

  get longRunning(): boolean {
    return this.s.longRunning;
  }

  impersonated(u: UserInfo): void {
    this.event.impersonatedUser = auditUser(u);
  }

  authorized(decision: "allow" | "forbid", reason: string | undefined): void {
    this.annotate("authorization.k8s.io/decision", decision);
    this.annotate("authorization.k8s.io/reason", reason ?? "");
  }

  /** The request body as read (a patch is kept as sent, any other body also completes objectRef). */
  requestBody(body: Captured, contentType: string | null): void {
    if (body === "too-large") {
      if (this.level !== "Metadata") this.annotate(TRUNCATED, "true");
      return;
    }
    if (!body.byteLength) return;
    const obj = decodeBody(body, contentType);
    if (obj === undefined) return;
    if (this.event.verb !== "patch") this.event.objectRef = completeObjectRef(this.event.objectRef, obj);
    if (this.level === "Metadata") return;
    if (body.byteLength > this.sink.maxObjectBytes) return this.annotate(TRUNCATED, "true");
    this.event.requestObject = this.d.omitManagedFields ? withoutManagedFields(obj) : obj;
  }

  /** @internal see AuditLog.failedAuthentication */
  failed(code: number, message: string): void {
    this.done = true;
    this.event.user = {} as AuditEvent["user"];
    this.event.responseStatus = { metadata: {}, message, code };
    this.tell("ResponseStarted");
  }

  /** Headers of a long-running response are out. */
  started(code: number): void {
    this.event.responseStatus = { metadata: {}, code };
    this.tell("ResponseStarted");
  }

  /** The response has ended; `body` is what was copied of it (see responseCaptureBytes). */
  complete(code: number, body?: Captured, contentType?: string | null): void {
    if (this.done) return;
    this.done = true;
    let obj: unknown;
    if (body === "too-large") {
      if (this.level === "RequestResponse") this.annotate(TRUNCATED, "true");
    } else if (body?.byteLength) obj = decodeBody(body, contentType ?? null);
    this.event.responseStatus = responseStatusOf(code, obj);
    if (this.level === "RequestResponse" && obj !== undefined) this.event.responseObject = this.d.omitManagedFields ? withoutManagedFields(obj) : obj;
    this.tell("ResponseComplete");
  }

  /** The handler failed unexpectedly: Panic stands for ResponseComplete. */
  panic(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.event.responseStatus = { metadata: {}, status: "Failure", message: `APIServer panic'd: ${String(error)}`, reason: "InternalError", code: 500 };
    this.tell("Panic");
  }

  /** @internal */
  tell(stage: AuditStage): void {
    if (this.d.omitStages.includes(stage)) return;
    this.event.stage = stage;
    this.event.stageTimestamp = microTime(this.sink.now());
    this.sink.write(this.event);
  }

  private annotate(key: string, value: string): void {
    (this.event.annotations ??= {})[key] = value;
  }
}

/** JSON (and the patch types), or YAML as the API takes it; anything else (protobuf, unparseable) is not an object to log. */
function decodeBody(body: Uint8Array, contentType: string | null): unknown {
  const type = (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase();
  const text = new TextDecoder().decode(body);
  try {
    if (type.endsWith("json")) return JSON.parse(text);
    if (type.endsWith("yaml")) return parseYaml(text);
  } catch {
    return undefined;
  }
  return undefined;
}

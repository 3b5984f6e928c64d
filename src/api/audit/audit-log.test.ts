import { describe, expect, test } from "bun:test";
import { AuditLog, type AuditStart } from "./audit-log.ts";
import { parseAuditPolicy } from "./audit-policy.ts";

function logAt(level: string, omit = "") {
  const lines: any[] = [];
  const audit = new AuditLog({ path: "-", stdout: (l) => lines.push(JSON.parse(l)), policy: parseAuditPolicy(`apiVersion: audit.k8s.io/v1\nkind: Policy\n${omit}rules:\n- level: ${level}\n`) });
  return { audit, lines };
}

const start = (verb: string, o: Partial<AuditStart> = {}): AuditStart => ({
  attrs: { user: { user: "alice", groups: ["dev"] }, verb, resourceRequest: true, group: "", version: "v1", resource: "configmaps", namespace: "a", path: "/api/v1/namespaces/a/configmaps" },
  requestURI: "/api/v1/namespaces/a/configmaps",
  sourceIPs: ["10.0.0.9"],
  received: new Date("2026-01-01T00:00:00.123Z"),
  longRunning: false,
  ...o,
});
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

describe("RequestAudit", () => {
  test("RequestReceived, then ResponseComplete with the same auditID; microsecond timestamps", () => {
    const { audit, lines } = logAt("Metadata");
    audit.begin(start("list"))!.complete(200);
    expect(lines.map((l) => l.stage)).toEqual(["RequestReceived", "ResponseComplete"]);
    expect(lines[0].auditID).toBe(lines[1].auditID);
    expect(lines[0].requestReceivedTimestamp).toBe("2026-01-01T00:00:00.123000Z");
    expect(lines[0].responseStatus).toBeUndefined();
    expect(lines[1]).toMatchObject({ user: { username: "alice", groups: ["dev"] }, sourceIPs: ["10.0.0.9"], responseStatus: { code: 200 } });
  });

  test("a handler's unexpected failure is told as Panic instead of ResponseComplete", () => {
    const { audit, lines } = logAt("Metadata", "omitStages: [RequestReceived]\n");
    const r = audit.begin(start("create"))!;
    r.panic(new Error("boom"));
    r.complete(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ stage: "Panic", responseStatus: { code: 500, reason: "InternalError", status: "Failure", message: "APIServer panic'd: Error: boom" } });
  });

  test("an apply patch in YAML is logged as the object it says; a body that is no object is not logged", () => {
    const { audit, lines } = logAt("Request");
    const r = audit.begin(start("patch"))!;
    r.requestBody(bytes("metadata:\n  name: y\ndata:\n  k: v\n"), "application/apply-patch+yaml");
    r.complete(200);
    expect(lines[1].requestObject).toEqual({ metadata: { name: "y" }, data: { k: "v" } });
    // A patch does not name the object for objectRef (the apiserver's LogRequestPatch does not).
    expect(lines[1].objectRef.name).toBeUndefined();
    const s = audit.begin(start("create"))!;
    s.requestBody(bytes("\u0000\u0001binary"), "application/vnd.kubernetes.protobuf");
    s.complete(201);
    expect(lines[3].requestObject).toBeUndefined();
  });

  test("a long-running request tells ResponseStarted and never keeps its stream", () => {
    const { audit, lines } = logAt("RequestResponse");
    const r = audit.begin(start("watch", { longRunning: true }))!;
    expect(r.responseCaptureBytes(200)).toBe(0);
    r.started(200);
    r.complete(200);
    expect(lines.map((l) => l.stage)).toEqual(["RequestReceived", "ResponseStarted", "ResponseComplete"]);
    expect(lines[2].responseObject).toBeUndefined();
  });

  test("None: nothing at all", () => {
    const { audit, lines } = logAt("None");
    expect(audit.begin(start("list"))).toBeUndefined();
    expect(lines).toEqual([]);
  });
});

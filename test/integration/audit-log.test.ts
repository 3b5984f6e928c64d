/**
 * The audit log through the API: one audit.k8s.io/v1 Event per request at Metadata — user,
 * impersonated user, verb, object, response code and the authorization decision — and the
 * policy's None honoured; rotated by size.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { asUser } from "../helpers/as-user.ts";
import { parseAuditPolicy } from "../../src/api/audit/audit-policy.ts";

let api: TestApi;
let dir: string;
const path = () => join(dir, "audit.log");
const events = () => readFileSync(path(), "utf8").trim().split("\n").map((l) => JSON.parse(l));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k3rs-audit-"));
  const policy = parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{group: '', resources: ['events']}]\n- level: Metadata\n");
  api = await startTestApi({ audit: { path: join(dir, "audit.log"), policy, maxBytes: 64 * 1024, maxBackups: 2 } });
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("audit log", () => {
  test("who did what to which object, the answer and the decision", async () => {
    expect((await api.json("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "audited" } })).status).toBe(201);
    expect((await asUser(api, "mallory").json("GET", "/api/v1/namespaces/default/secrets/x")).status).toBe(403);
    expect((await api.json("GET", "/api/v1/namespaces/default/configmaps/audited", undefined, { headers: { "Impersonate-User": "bob" } })).status).toBe(403);
    expect((await api.json("GET", "/api/v1/namespaces/default/events")).status).toBe(200);
    const all = events().filter((e) => e.stage === "ResponseComplete");
    // Even at Metadata a create's objectRef is completed from the body (the apiserver's LogRequestObject).
    const create = all.find((e) => e.verb === "create" && e.objectRef?.resource === "configmaps");
    expect(create).toMatchObject({
      kind: "Event", apiVersion: "audit.k8s.io/v1", level: "Metadata", stage: "ResponseComplete",
      requestURI: "/api/v1/namespaces/default/configmaps",
      user: { username: "system:admin", groups: ["system:masters", "system:authenticated"] },
      objectRef: { resource: "configmaps", namespace: "default", name: "audited", apiVersion: "v1" },
      responseStatus: { code: 201 },
      annotations: { "authorization.k8s.io/decision": "allow" },
    });
    expect(all.find((e) => e.user.username === "mallory")).toMatchObject({ verb: "get", objectRef: { resource: "secrets", name: "x" }, responseStatus: { code: 403 }, annotations: { "authorization.k8s.io/decision": "forbid" } });
    expect(all.find((e) => e.impersonatedUser)).toMatchObject({ user: { username: "system:admin" }, impersonatedUser: { username: "bob" }, responseStatus: { code: 403 } });
    expect(all.some((e) => e.objectRef?.resource === "events")).toBe(false);
  });

  test("rotated by size, keeping the number of old files asked for", async () => {
    for (let i = 0; i < 400; i++) await api.request("GET", `/api/v1/namespaces/default/configmaps/audited?padding=${"x".repeat(200)}`);
    const files = readdirSync(dir).filter((f) => f.startsWith("audit"));
    expect(files).toContain("audit.log");
    expect(files.filter((f) => f !== "audit.log")).toHaveLength(2);
    expect(readFileSync(path()).length).toBeLessThanOrEqual(64 * 1024);
  });
});

/**
 * The audit log's bodies through the API: what Kubernetes writes at Request level (a Secret's
 * data included — the policy decides), objects past the bound left out with the truncate
 * plugin's annotation, a patch kept as sent, and a log that cannot be written (a full disk)
 * costing no request anything.
 */
import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { parseAuditPolicy } from "../../src/api/audit/audit-policy.ts";

let api: TestApi;
let dir: string;
const events = () => readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.stage === "ResponseComplete");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k3rs-audit-bodies-"));
  const policy = parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n  resources: [{group: '', resources: ['secrets']}]\n- level: RequestResponse\n  namespaces: ['default']\n");
  api = await startTestApi({ audit: { path: join(dir, "audit.log"), policy, maxObjectBytes: 8 * 1024 } });
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("audit log bodies", () => {
  test("a Secret at Request level is logged with its data, as Kubernetes does (the policy decides)", async () => {
    expect((await api.json("POST", "/api/v1/namespaces/default/secrets", { metadata: { name: "s1" }, stringData: { password: "hunter2" } })).status).toBe(201);
    const e = events().find((x) => x.verb === "create" && x.objectRef?.name === "s1");
    expect(e).toMatchObject({ level: "Request", requestObject: { stringData: { password: "hunter2" } } });
    expect(e.responseObject).toBeUndefined();
  });

  test("an object past the bound is left out, marked audit.k8s.io/truncated; the request is served", async () => {
    const big = "y".repeat(20 * 1024);
    expect((await api.json("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "big" }, data: { big } })).status).toBe(201);
    expect((await api.json("GET", "/api/v1/namespaces/default/configmaps/big")).body.data.big).toBe(big);
    // The create's name is still taken from its body, which is read though too big to log.
    const [create, get] = events().filter((x) => x.objectRef?.name === "big");
    for (const e of [create, get]) {
      expect(e.annotations["audit.k8s.io/truncated"]).toBe("true");
      expect(e.requestObject).toBeUndefined();
      expect(e.responseObject).toBeUndefined();
    }
    expect(create.responseStatus.code).toBe(201);
  });

  test("a patch is logged as sent; the response as the object became", async () => {
    expect((await api.json("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "p" }, data: { a: "1" } })).status).toBe(201);
    const res = await api.request("PATCH", "/api/v1/namespaces/default/configmaps/p", undefined, { raw: JSON.stringify({ data: { b: "2" } }), headers: { "content-type": "application/merge-patch+json" } });
    expect(res.status).toBe(200);
    await res.text();
    const e = events().find((x) => x.verb === "patch" && x.objectRef?.name === "p");
    expect(e.requestObject).toEqual({ data: { b: "2" } });
    expect(e.responseObject.data).toEqual({ a: "1", b: "2" });
  });

  test("a list's items lose their managedFields under omitManagedFields", async () => {
    const omit = mkdtempSync(join(tmpdir(), "k3rs-audit-omit-"));
    const other = await startTestApi({ audit: { path: join(omit, "audit.log"), policy: parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitManagedFields: true\nrules:\n- level: RequestResponse\n  namespaces: ['default']\n") } });
    try {
      expect((await other.json("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "m" }, data: { a: "1" } })).status).toBe(201);
      const listed = await other.json("GET", "/api/v1/namespaces/default/configmaps");
      expect(listed.body.items.find((i: any) => i.metadata.name === "m").metadata.managedFields).toBeArray();
      const lines = readFileSync(join(omit, "audit.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      const list = lines.find((x) => x.verb === "list" && x.stage === "ResponseComplete");
      expect(list.responseObject.items.map((i: any) => i.metadata.name)).toContain("m");
      expect(list.responseObject.items.every((i: any) => i.metadata.managedFields === undefined)).toBe(true);
    } finally {
      await other.close();
      rmSync(omit, { recursive: true, force: true });
    }
  });

  test("a log that cannot be written (a full disk) fails no request and is told", async () => {
    const stderr = spyOn(process.stderr, "write");
    const full = await startTestApi({ audit: { path: "/dev/full", policy: parseAuditPolicy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n") } });
    try {
      expect((await full.json("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "x" }, data: { a: "1" } })).status).toBe(201);
      expect((await full.json("GET", "/api/v1/namespaces/default/configmaps/x")).status).toBe(200);
      expect((await full.json("GET", "/api/v1/namespaces/default/configmaps/absent")).status).toBe(404);
      expect(stderr.mock.calls.some((c) => String(c[0]).includes("audit: writing the log failed"))).toBe(true);
    } finally {
      stderr.mockRestore();
      await full.close();
    }
  });
});

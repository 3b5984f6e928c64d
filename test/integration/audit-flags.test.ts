/**
 * The audit log of a real `k3rs server` configured by its own flags (`--audit-log-path`,
 * `--audit-policy-file`, `--audit-log-maxsize`, `--audit-log-maxbackup`), which win over the
 * same keys passed as `--kube-apiserver-arg`: one namespace per level, each level's Event
 * shape, the stages, and rotation by size keeping the backups asked for.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHttpsTestServer } from "../helpers/https-server.ts";
import { rawHttps } from "../helpers/raw-https.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import type { ServerHandle } from "../../src/server/run.ts";

let server: ServerHandle;
let admin: RestClient;
let dataDir: string;
let auditDir: string;
const logPath = () => join(auditDir, "audit.log");
/** Every event still on disk, oldest file first. */
const events = (): any[] =>
  readdirSync(auditDir)
    .filter((f) => f.startsWith("audit") && f.endsWith(".log"))
    .sort((a, b) => (a === "audit.log" ? 1 : b === "audit.log" ? -1 : a.localeCompare(b)))
    .flatMap((f) => readFileSync(join(auditDir, f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)));
const ofConfigMap = (ns: string, name?: string) => events().filter((e) => e.objectRef?.resource === "configmaps" && e.objectRef.namespace === ns && (name === undefined || e.objectRef.name === name));

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  namespaces: ["audit-none"]
- level: Metadata
  namespaces: ["audit-meta"]
  omitStages: ["RequestReceived"]
- level: Request
  namespaces: ["audit-req"]
- level: RequestResponse
  namespaces: ["audit-rr"]
  omitManagedFields: true
`;

async function create(ns: string, name: string, data: Record<string, string>): Promise<any> {
  return admin.request(`/api/v1/namespaces/${ns}/configmaps`, { method: "POST", body: { metadata: { name }, data } });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-audit-flags-"));
  auditDir = join(dataDir, "audit");
  const policyFile = join(dataDir, "policy.yaml");
  writeFileSync(policyFile, POLICY);
  server = await startHttpsTestServer(dataDir, "audit-flags", {}, {
    auditLogPath: logPath(),
    auditPolicyFile: policyFile,
    auditLogMaxsize: 1,
    auditLogMaxbackup: 2,
    // The same keys through the apiserver's flags: the server's own flags win.
    kubeApiserverArg: [`audit-log-path=${join(auditDir, "passed-through.log")}`, "audit-log-maxbackup=7"],
  });
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
  for (const ns of ["audit-none", "audit-meta", "audit-req", "audit-rr"]) await admin.request("/api/v1/namespaces", { method: "POST", body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("audit log from the server's flags", () => {
  test("the explicit --audit-log-path wins over --kube-apiserver-arg audit-log-path", () => {
    expect(existsSync(logPath())).toBe(true);
    expect(existsSync(join(auditDir, "passed-through.log"))).toBe(false);
  });

  test("None writes nothing; Metadata has no bodies; Request has requestObject; RequestResponse has both", async () => {
    for (const ns of ["audit-none", "audit-meta", "audit-req", "audit-rr"]) {
      expect((await create(ns, "leveled", { word: `said-in-${ns}` })).metadata.name).toBe("leveled");
      expect((await admin.request(`/api/v1/namespaces/${ns}/configmaps/leveled`)).data.word).toBe(`said-in-${ns}`);
    }

    expect(ofConfigMap("audit-none")).toEqual([]);

    const meta = ofConfigMap("audit-meta", "leveled");
    // The rule's omitStages leaves RequestReceived out.
    expect(meta.map((e) => `${e.verb} ${e.stage}`)).toEqual(["create ResponseComplete", "get ResponseComplete"]);
    for (const e of meta) {
      expect(e).toMatchObject({ kind: "Event", apiVersion: "audit.k8s.io/v1", level: "Metadata", user: { username: "system:admin" }, sourceIPs: ["127.0.0.1"] });
      expect(e.requestObject).toBeUndefined();
      expect(e.responseObject).toBeUndefined();
    }
    expect(meta[0].responseStatus).toEqual({ metadata: {}, code: 201 });

    const req = ofConfigMap("audit-req", "leveled");
    expect(req.map((e) => `${e.verb} ${e.stage}`)).toEqual(["create ResponseComplete", "get RequestReceived", "get ResponseComplete"]);
    // A create's RequestReceived comes before the body is read: its objectRef has no name yet.
    expect(ofConfigMap("audit-req").find((e) => e.verb === "create" && e.stage === "RequestReceived")?.objectRef.name).toBeUndefined();
    expect(req[0]).toMatchObject({ level: "Request", requestObject: { metadata: { name: "leveled" }, data: { word: "said-in-audit-req" } } });
    expect(req[0].responseObject).toBeUndefined();
    expect(req[2].requestObject).toBeUndefined();

    const rr = ofConfigMap("audit-rr", "leveled").filter((e) => e.stage === "ResponseComplete");
    expect(rr[0]).toMatchObject({ level: "RequestResponse", verb: "create", requestObject: { data: { word: "said-in-audit-rr" } }, responseObject: { kind: "ConfigMap", data: { word: "said-in-audit-rr" } } });
    expect(rr[0].responseObject.metadata.uid).toBeString();
    expect(rr[0].responseObject.metadata.managedFields).toBeUndefined();
    expect(rr[1]).toMatchObject({ verb: "get", responseObject: { metadata: { name: "leveled" } } });
  });

  test("an error's Status is in responseStatus even at Metadata", async () => {
    expect((await admin.raw("/api/v1/namespaces/audit-meta/configmaps/absent")).status).toBe(404);
    const e = ofConfigMap("audit-meta", "absent").at(-1);
    expect(e.responseStatus).toMatchObject({ status: "Failure", reason: "NotFound", code: 404, message: 'configmaps "absent" not found' });
    expect(e.responseObject).toBeUndefined();
  });

  test("a watch is told when it starts and when it ends, without its stream", async () => {
    const res = await admin.raw("/api/v1/namespaces/audit-rr/configmaps", { query: { watch: 1, timeoutSeconds: 1 } });
    expect(res.status).toBe(200);
    await res.text();
    const w = ofConfigMap("audit-rr").filter((e) => e.verb === "watch");
    expect(w.map((e) => e.stage)).toEqual(["RequestReceived", "ResponseStarted", "ResponseComplete"]);
    expect(new Set(w.map((e) => e.auditID)).size).toBe(1);
    expect(w[1].responseStatus.code).toBe(200);
    expect(w.some((e) => e.responseObject !== undefined)).toBe(false);
  });

  test("a request refused for its credentials is audited as the apiserver does: no user, the methods tried", async () => {
    const r = await rawHttps(server.port, "GET /api/v1/namespaces/audit-meta/configmaps/leveled HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer wrong\r\nConnection: close\r\n\r\n");
    expect(r.status).toBe(401);
    const e = ofConfigMap("audit-meta", "leveled").filter((x) => x.responseStatus?.code === 401);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ stage: "ResponseStarted", level: "Metadata", verb: "get", user: {}, sourceIPs: ["127.0.0.1"], responseStatus: { code: 401, message: "Authentication failed, attempted: bearer" } });
    expect(e[0].user).toEqual({});
  });

  test("rotated past --audit-log-maxsize, keeping --audit-log-maxbackup old files", async () => {
    const big = "x".repeat(300 * 1024);
    // Each create's event holds the object twice (request and response): ~600 KiB a line.
    for (let i = 0; i < 8; i++) expect((await create("audit-rr", `big-${i}`, { big })).metadata.name).toBe(`big-${i}`);
    const files = readdirSync(auditDir).filter((f) => f.endsWith(".log"));
    expect(files).toContain("audit.log");
    const backups = files.filter((f) => f !== "audit.log");
    expect(backups).toHaveLength(2);
    for (const f of backups) expect(f).toMatch(/^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/);
    expect(statSync(logPath()).size).toBeLessThanOrEqual(1024 * 1024);
    // Every line is a whole Event, the newest create among them.
    expect(ofConfigMap("audit-rr", "big-7").some((e) => e.stage === "ResponseComplete" && e.requestObject.data.big.length === big.length)).toBe(true);
  });
});

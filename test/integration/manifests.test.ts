/**
 * The manifests folder against an in-process control plane: files added, changed and removed
 * are followed by the objects, through the folder's file events (the periodic resync is set
 * far beyond the test, so nothing here passes without them).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { ManifestDeployer, MANIFEST_FILE_ANNOTATION } from "../../src/server/manifests/deployer.ts";

let api: TestApi;
let dir: string;
const stops: AbortController[] = [];

beforeAll(async () => {
  api = await startTestApi();
  dir = join(api.dir, "manifests");
});
afterAll(async () => {
  stops.forEach((s) => s.abort());
  await api.close();
});

function deployer(disabled: string[] = []): ManifestDeployer {
  const stop = new AbortController();
  stops.push(stop);
  return new ManifestDeployer({ dir, storage: api.storage, registry: api.registry, disabled, signal: stop.signal, resyncMs: 3_600_000, debounceMs: 50 });
}

/** Written whole and renamed into place, as editors and `cp` over a file do. */
function put(file: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `.${file}.tmp`), text);
  renameSync(join(dir, `.${file}.tmp`), join(dir, file));
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

const get = async (path: string) => (await api.json("GET", path)).body;
/** Messages of the Events with this reason on the record ConfigMap. */
const eventMessages = async (reason: string): Promise<string[]> =>
  (await get("/api/v1/namespaces/kube-system/events")).items.filter((e: any) => e.reason === reason && e.involvedObject.name === "k3rs-manifests").map((e: any) => e.message);
const status = async (path: string) => (await api.json("GET", path)).status;

const appV1 = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: default
  labels: {tier: web, old: "yes"}
data: {mode: one}
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec:
  selector: {app: app}
  ports: [{port: 80}]
`;

test("a file present at start is applied; each object names its file", async () => {
  put("app.yaml", appV1);
  put("extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {x: y}\n");
  const first = await deployer(["extra"]).start();
  expect(first.failed).toEqual([]);
  const cm = await get("/api/v1/namespaces/default/configmaps/app-config");
  expect(cm.data).toEqual({ mode: "one" });
  expect(cm.metadata.labels).toEqual({ tier: "web", old: "yes" });
  expect(cm.metadata.annotations[MANIFEST_FILE_ANNOTATION]).toBe("app.yaml");
  const svc = await get("/api/v1/namespaces/default/services/app");
  expect(svc.spec.clusterIP).toMatch(/^10\.43\./);
  // --disable=extra: extra.yaml is not deployed.
  expect(await status("/api/v1/namespaces/default/configmaps/extra")).toBe(404);
  expect(await eventMessages("AppliedManifest")).toContain("app.yaml: 2 applied, 0 deleted");
}, 30_000);

test("a changed file: fields follow (dropped ones too), a removed document is deleted, fields set by others stay", async () => {
  const patched = await api.json("PATCH", "/api/v1/namespaces/default/configmaps/app-config", { metadata: { annotations: { "someone/else": "kept" } } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(patched.status).toBe(200);
  put("app.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: default
  labels: {tier: web}
data: {mode: two}
`);
  const cm = await until("app-config at mode two", async () => {
    const c = await get("/api/v1/namespaces/default/configmaps/app-config");
    return c.data?.mode === "two" && c;
  });
  expect(cm.metadata.labels).toEqual({ tier: "web" });
  expect(cm.metadata.annotations["someone/else"]).toBe("kept");
  await until("the Service removed from app.yaml to be deleted", async () => (await status("/api/v1/namespaces/default/services/app")) === 404);
}, 30_000);

test("a half-written file (does not parse) deletes nothing; a new file is applied", async () => {
  put("app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config\n");
  put("second.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: ops-manifests}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ops-manifests}\nstringData: {k: v}\n");
  await until("second.yaml's secret", async () => (await status("/api/v1/namespaces/ops-manifests/secrets/s")) === 200);
  expect(await status("/api/v1/namespaces/default/configmaps/app-config")).toBe(200);
  // Told where kubectl shows it, not only in the log.
  const failed = await until("an ApplyManifestFailed event", async () => (await eventMessages("ApplyManifestFailed")).find((m) => m.startsWith("app.yaml: document 1:")));
  expect(failed).toContain("app.yaml: document 1:");
}, 30_000);

test("a removed file: what it applied is deleted", async () => {
  rmSync(join(dir, "app.yaml"));
  await until("app-config to be deleted", async () => (await status("/api/v1/namespaces/default/configmaps/app-config")) === 404);
  expect(await status("/api/v1/namespaces/ops-manifests/secrets/s")).toBe(200);
}, 30_000);

test("after a restart with --disable=second, what second.yaml applied is deleted (the record outlives the process)", async () => {
  stops.splice(0).forEach((s) => s.abort());
  const r = await deployer(["second", "extra"]).start();
  expect(r.deleted).toBe(2);
  expect(await status("/api/v1/namespaces/ops-manifests/secrets/s")).toBe(404);
  const ns = await get("/api/v1/namespaces/ops-manifests");
  expect(ns.metadata?.deletionTimestamp ?? ns.code === 404).toBeTruthy();
  expect(await status("/api/v1/namespaces/default/configmaps/extra")).toBe(404);
}, 30_000);

/**
 * `--kube-apiserver-arg etcd-compaction-interval`: the server compacts its history on that
 * period, and a watch or list at a revision older than the window gets 410 Gone with
 * kube-apiserver's "too old resource version" — which is what makes informers relist.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { startServer, type ServerHandle } from "../../src/server/run.ts";

let dataDir: string;
let server: ServerHandle;
let tls: { ca: string; cert: string; key: string };
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "dur-compact-"));
  server = await startServer({
    dataDir, httpsListenPort: 0, bindAddress: "127.0.0.1", nodeName: "dur-compact", nodeIp: "127.0.0.1", disableAgent: true,
    writeKubeconfigMode: 0o600, debug: false, clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", tlsSan: [], nodeLabel: [], nodeTaint: [],
    runtime: "fake", kubeControllerManagerArg: [], kubeApiserverArg: ["etcd-compaction-interval=100ms"], kubeletArg: [], disable: [], disableSnapshots: true,
  });
  const kc = YAML.parse(readFileSync(server.kubeconfigPath, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  tls = { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("a watch from before the compaction window gets 410 Gone; one from inside it works", async () => {
  const base = `https://127.0.0.1:${server.port}/api/v1/namespaces/default/configmaps`;
  const created = await fetch(base, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dur-old" } }), tls } as any);
  expect(created.status).toBe(201);
  const old = Number(((await created.json()) as any).metadata.resourceVersion);
  // Two ticks compact up to the revision of the first: wait until the window has passed `old`.
  for (let i = 0; i < 100 && server.store.stats().compactRevision < old; i++) await Bun.sleep(50);
  expect(server.store.stats().compactRevision).toBeGreaterThanOrEqual(old);

  const gone = await fetch(`${base}?watch=1&resourceVersion=${old - 1}`, { tls } as any);
  expect(gone.status).toBe(200); // kube-apiserver streams the 410 as an ERROR event of an open watch
  const text = await gone.text();
  const event = JSON.parse(text.trim().split("\n")[0]!);
  expect(event.type).toBe("ERROR");
  expect(event.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
  expect(event.object.message).toContain(`too old resource version: ${old - 1}`);

  const fresh = server.store.revision();
  const ac = new AbortController();
  const live = await fetch(`${base}?watch=1&resourceVersion=${fresh}`, { tls, signal: ac.signal } as any);
  expect(live.status).toBe(200);
  ac.abort();
});

test("/metrics tells the database and WAL sizes and the compaction point", async () => {
  const text = await (await fetch(`https://127.0.0.1:${server.port}/metrics`, { tls } as any)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
  expect(value("k3rs_store_db_size_bytes")).toBeGreaterThan(0);
  expect(value("k3rs_store_wal_size_bytes")).toBeGreaterThanOrEqual(0);
  expect(value("k3rs_store_size_bytes")).toBe(value("k3rs_store_db_size_bytes") + value("k3rs_store_wal_size_bytes"));
  expect(value("k3rs_store_compact_revision")).toBeGreaterThan(0);
});

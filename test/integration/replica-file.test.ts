/**
 * Litestream replication to a file:// replica, in-process: a server writes, goes away with
 * its data dir, and a server on an empty data dir with the same token and replica gets the
 * objects and the CA back, revisions moving forward (litestream-process.test.ts: restarted when it dies).
 * (test/e2e/replica-s3.test.ts does the same against a real S3 server with kill -9.)
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { startServer, type ServerHandle } from "../../src/server/run.ts";
import type { ServerConfig } from "../../src/config/server-config.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
function config(dir: string, token: string, replica: string): ServerConfig {
  return {
    dataDir: dir, httpsListenPort: 0, bindAddress: "127.0.0.1", nodeName: "dur-rep", nodeIp: "127.0.0.1", disableAgent: true, token,
    writeKubeconfigMode: 0o600, debug: false, clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", tlsSan: [], nodeLabel: [], nodeTaint: [],
    runtime: "fake", kubeControllerManagerArg: [], kubeApiserverArg: [], kubeletArg: [], disable: [], disableSnapshots: true, datastoreReplica: replica,
  };
}
function tlsOf(kubeconfigPath: string) {
  const kc = YAML.parse(readFileSync(kubeconfigPath, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
}
async function metric(server: ServerHandle, tls: object, name: string): Promise<number | undefined> {
  const text = await (await fetch(`https://127.0.0.1:${server.port}/metrics`, { tls } as any)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

test("a lost server's store, CA and revisions come back from a file:// replica", async () => {
  const replicaDir = tempDir("dur-replica-");
  const replica = `file://${replicaDir}`;
  const first = tempDir("dur-rep-a-");
  const a = await startServer(config(first, "dur-token-1", replica));
  const tls = tlsOf(a.kubeconfigPath);
  const base = (s: ServerHandle) => `https://127.0.0.1:${s.port}/api/v1/namespaces/default/configmaps`;
  let highest = 0;
  for (let i = 0; i < 20; i++) {
    const r = await fetch(base(a), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `dur-${i}` }, data: { i: String(i) } }), tls } as any);
    expect(r.status).toBe(201);
    highest = Math.max(highest, Number(((await r.json()) as any).metadata.resourceVersion));
  }
  // The store runs without SQLite's autocheckpoint: Litestream owns checkpoints.
  expect(existsSync(join(first, "server", "bin", "litestream-v0.3.13"))).toBe(true);
  expect((readFileSync(join(first, "server", "db", "litestream.yml"), "utf8"))).toContain(replicaDir);

  await until("replica caught up", async () => (await metric(a, tls, "k3rs_replica_up")) === 1 && (await metric(a, tls, "k3rs_replica_lag_seconds")) === 0 && readdirSync(replicaDir).length > 0);
  await a.stop();

  // A new box: empty data dir, same token and replica.
  const second = tempDir("dur-rep-b-");
  const b = await startServer(config(second, "dur-token-1", replica));
  try {
    expect(readFileSync(join(second, "server", "tls", "server-ca.crt"), "utf8")).toBe(tls.ca);
    const list = (await (await fetch(base(b), { tls } as any)).json()) as any;
    expect(list.items.map((i: any) => i.metadata.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `dur-${i}`).sort());
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(highest);
    const r = await fetch(base(b), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dur-after" } }), tls } as any);
    expect(r.status).toBe(201);
    expect(Number(((await r.json()) as any).metadata.resourceVersion)).toBeGreaterThan(highest);
  } finally {
    await b.stop();
  }

  // Wrong token on a third empty box: refused, its PKI dir left empty.
  const third = tempDir("dur-rep-c-");
  const err = await startServer(config(third, "not-the-token", replica)).catch((e) => e);
  expect(err?.name).toBe("BootstrapTokenError");
  expect(readdirSync(join(third, "server", "tls"))).toEqual([]);
  expect(existsSync(join(third, "server", "db", "state.db"))).toBe(false); // what it restored is gone again
}, 120_000);

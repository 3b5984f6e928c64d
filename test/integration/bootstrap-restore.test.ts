/**
 * The PKI travels with the store: a server's database copied to an empty data dir (what a
 * Litestream restore or a snapshot gives a fresh box) serves the same CA with the same token,
 * so the old admin kubeconfig works; a wrong token is refused and leaves the new dir untouched.
 */
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { startServer } from "../../src/server/run.ts";
import type { ServerConfig } from "../../src/config/server-config.ts";
import { saveSnapshot } from "../../src/server/snapshots/snapshot-dir.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "dur-boot-int-"));
  dirs.push(d);
  return d;
}
function config(dir: string, token: string): ServerConfig {
  return {
    dataDir: dir, httpsListenPort: 0, bindAddress: "127.0.0.1", nodeName: "dur-boot", nodeIp: "127.0.0.1", disableAgent: true, token,
    writeKubeconfigMode: 0o600, debug: false, clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", tlsSan: [], nodeLabel: [], nodeTaint: [],
    runtime: "fake", kubeControllerManagerArg: [], kubeApiserverArg: [], kubeletArg: [], disable: [], disableSnapshots: true,
  };
}
function tlsOf(kubeconfigPath: string) {
  const kc = YAML.parse(readFileSync(kubeconfigPath, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
}

test("a copy of the store on an empty box serves the same CA with the same token; a wrong token is refused", async () => {
  const first = dataDir();
  const a = await startServer(config(first, "dur-secret-1"));
  const oldTls = tlsOf(a.kubeconfigPath);
  const created = await fetch(`https://127.0.0.1:${a.port}/api/v1/namespaces/default/configmaps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dur-kept" }, data: { k: "v" } }),
    tls: oldTls,
  } as any);
  expect(created.status).toBe(201);
  const snap = saveSnapshot(first, { node: "dur-boot" });
  await a.stop();

  // Wrong token: refused before anything is written to the new data dir.
  const wrongDir = dataDir();
  mkdirSync(join(wrongDir, "server", "db"), { recursive: true });
  copyFileSync(snap.path, join(wrongDir, "server", "db", "state.db"));
  const err = await startServer(config(wrongDir, "not-the-token")).catch((e) => e);
  expect(err?.name).toBe("BootstrapTokenError");
  expect(String(err.message)).toContain("not the token this cluster's bootstrap data was sealed with");
  expect(readdirSync(join(wrongDir, "server", "tls"))).toEqual([]);
  expect(existsSync(join(wrongDir, "server", "token"))).toBe(false);

  const second = dataDir();
  mkdirSync(join(second, "server", "db"), { recursive: true });
  copyFileSync(snap.path, join(second, "server", "db", "state.db"));
  const b = await startServer(config(second, "dur-secret-1"));
  try {
    expect(readFileSync(join(second, "server", "tls", "server-ca.crt"), "utf8")).toBe(oldTls.ca);
    // The kubeconfig written on the first box still works against the second.
    const r = await fetch(`https://127.0.0.1:${b.port}/api/v1/namespaces/default/configmaps/dur-kept`, { tls: oldTls } as any);
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).data).toEqual({ k: "v" });
  } finally {
    await b.stop();
  }
});

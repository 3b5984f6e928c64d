/**
 * `k3rs snapshot save|ls|delete|prune` against a running server's data dir, and
 * `k3rs server --cluster-reset --cluster-reset-restore-path` bringing a snapshot back, with the
 * built executable.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { freePort, K3RS_BIN, startE2EServer } from "../helpers/e2e-server.ts";

const work = mkdtempSync(join(tmpdir(), "dur-snap-e2e-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function k3rs(args: string[]): { code: number; out: string } {
  const p = Bun.spawnSync([K3RS_BIN, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode ?? -1, out: p.stdout.toString() + p.stderr.toString() };
}
function clientTls(kubeconfigPath: string) {
  const kc = YAML.parse(readFileSync(kubeconfigPath, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
}

test("snapshots saved while the server runs, listed, pruned, deleted; --cluster-reset restores one and keeps the old store", async () => {
  const dataDir = join(work, "dur-snap");
  const port = await freePort();
  let server = await startE2EServer({ dataDir, port, nodeName: "dur-snap", extraArgs: ["--token", "dur-snap-token"] });
  const tls = clientTls(server.kubeconfig);
  const base = `https://127.0.0.1:${port}/api/v1/namespaces/default/configmaps`;
  const create = async (name: string) => {
    const r = await fetch(base, { method: "POST", body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } }), headers: { "content-type": "application/json" }, tls } as any);
    expect(r.status).toBe(201);
  };
  await create("dur-before");

  const saved = k3rs(["snapshot", "save", "--data-dir", dataDir, "--name", "dur-manual"]);
  expect(saved.code).toBe(0);
  const file = /saved: (\S+)/.exec(saved.out)![1]!;
  expect(file.startsWith(join(dataDir, "server", "db", "snapshots", "dur-manual-"))).toBe(true);
  for (let i = 0; i < 3; i++) expect(k3rs(["snapshot", "save", "--data-dir", dataDir]).code).toBe(0);
  const ls = k3rs(["snapshot", "ls", "--data-dir", dataDir]);
  expect(ls.code).toBe(0);
  expect(ls.out.split("\n")[0]).toMatch(/^Name\s+Location\s+Size\s+Created$/);
  expect(ls.out).toContain("dur-manual-");
  // Three k3rs-snapshot saves in the same second share a name: one file.
  const pruned = k3rs(["snapshot", "prune", "--data-dir", dataDir, "--snapshot-retention", "0"]);
  expect(pruned.code).toBe(0);
  expect(k3rs(["snapshot", "ls", "--data-dir", dataDir]).out).not.toContain("k3rs-snapshot-");
  expect(k3rs(["snapshot", "delete", "--data-dir", dataDir, "dur-nope"])).toEqual({ code: 1, out: "k3rs snapshot: no such snapshot: dur-nope\n" });

  await create("dur-after");
  await server.stop();

  const reset = k3rs(["server", "--data-dir", dataDir, "--cluster-reset", "--cluster-reset-restore-path", file, "--disable-agent"]);
  expect(reset.code).toBe(0);
  expect(reset.out).toContain(`Restored the store from ${file}`);
  expect(reset.out).toContain("Restart without --cluster-reset");
  const keptAside = /kept at (\S+)\./.exec(reset.out)![1]!;
  expect(existsSync(keptAside)).toBe(true);

  server = await startE2EServer({ dataDir, port, nodeName: "dur-snap", extraArgs: ["--token", "dur-snap-token"] });
  try {
    expect((await fetch(`${base}/dur-before`, { tls } as any)).status).toBe(200);
    expect((await fetch(`${base}/dur-after`, { tls } as any)).status).toBe(404);
  } finally {
    await server.stop();
  }
}, 120_000);

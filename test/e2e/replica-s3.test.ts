/**
 * Disaster recovery against a real S3 server (OpenStack Swift's s3api on loopback, started by
 * scripts/swift-s3.sh): a server replicating with Litestream takes writes, is killed with
 * SIGKILL and its data dir deleted; a server on an empty data dir with the same token and
 * replica flags comes back with the objects, resourceVersions moving forward and the same CA
 * (the old kubeconfig works with the real kubectl); a wrong token is refused.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import YAML from "yaml";
import { freePort, KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";
import { snapshotBucket } from "../../src/server/snapshots/snapshot-upload.ts";
import { listSnapshots } from "../../src/server/snapshots/snapshot-dir.ts";

const SWIFT = resolve(import.meta.dir, "../../scripts/swift-s3.sh");
const swiftDir = join(tmpdir(), `dur-swift-${process.pid}`);
let s3Port = 0;
const bucket = "dur-k3rs";
const token = "dur-e2e-token-7f3a";
const secretKey = "testing";
const work = mkdtempSync(join(tmpdir(), "dur-e2e-"));

beforeAll(async () => {
  s3Port = 20000 + (process.pid % 5000) * 5;
  const p = Bun.spawn([SWIFT, "start", swiftDir, String(s3Port), bucket], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = [await new Response(p.stdout).text(), await new Response(p.stderr).text()];
  if ((await p.exited) !== 0) throw new Error(`swift did not start:\n${out}\n${err}`);
}, 180_000);

afterAll(async () => {
  await Bun.spawn([SWIFT, "stop", swiftDir]).exited;
  rmSync(work, { recursive: true, force: true });
});

function replicaArgs(prefix: string): string[] {
  // The secret key comes from the environment (K3RS_DATASTORE_REPLICA_SECRET_KEY), the rest as flags.
  return ["--token", token, "--datastore-replica", `s3://${bucket}/${prefix}`, "--datastore-replica-endpoint", `http://127.0.0.1:${s3Port}`, "--datastore-replica-access-key", "test:tester", "--disable-snapshots"];
}
const replicaEnv = { K3RS_DATASTORE_REPLICA_SECRET_KEY: secretKey };

function clientTls(kubeconfigPath: string) {
  const kc = YAML.parse(readFileSync(kubeconfigPath, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
}

/** PIDs of processes whose command line mentions `needle` (a data dir's Litestream). */
function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(needle)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

test("kill -9 during replication, data dir lost: a new box with the same token and replica gets the cluster back", async () => {
  const dirA = join(work, "dur-a");
  const port = await freePort();
  const a = await startE2EServer({ dataDir: dirA, port, extraArgs: [...replicaArgs("site-1"), "--debug"], env: replicaEnv });
  const tls = clientTls(a.kubeconfig);
  const oldKubeconfig = join(work, "old-kubeconfig.yaml");
  cpSync(join(dirA, "kubeconfig.yaml"), oldKubeconfig);
  const base = `https://127.0.0.1:${port}/api/v1/namespaces/default/configmaps`;
  const acked = new Map<string, { rv: number; at: number }>();
  let stop = false;
  let n = 0;
  const writer = async () => {
    while (!stop) {
      const name = `dur-${n++}`;
      try {
        const r = await fetch(base, { method: "POST", body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v: "x".repeat(256) } }), headers: { "content-type": "application/json" }, tls } as any);
        if (r.status === 201) acked.set(name, { rv: Number(((await r.json()) as any).metadata.resourceVersion), at: Date.now() });
      } catch {
        // the server died under this request: not acknowledged
      }
    }
  };
  const writers = Array.from({ length: 8 }, writer);
  await Bun.sleep(4000);
  const killedAt = Date.now();
  a.kill9();
  stop = true;
  await Promise.all(writers);
  await a.proc.exited;
  expect(acked.size).toBeGreaterThan(50);
  const highest = Math.max(...[...acked.values()].map((v) => v.rv));
  // Litestream does not outlive its server (it gets SIGTERM from the kernel, syncs, exits).
  const config = join(dirA, "server", "db", "litestream.yml");
  for (let i = 0; i < 100 && processesWith(config).length > 0; i++) await Bun.sleep(100);
  expect(processesWith(config)).toEqual([]);
  // No secret in what the server printed, --debug included.
  expect(a.logs()).toContain("litestream"); // its lines are logged at --debug …
  expect(a.logs()).not.toContain(secretKey); // … without the key
  rmSync(dirA, { recursive: true, force: true });

  // Wrong token on an empty box: refused with a clear message, nothing written.
  const dirWrong = join(work, "dur-wrong");
  const wrong = await startE2EServer({ dataDir: dirWrong, extraArgs: [...replicaArgs("site-1").map((x) => (x === token ? "not-the-token" : x))], env: replicaEnv }).catch((e) => e);
  expect(String(wrong)).toContain("not the token this cluster's bootstrap data was sealed with");
  expect(existsSync(join(dirWrong, "server", "tls", "server-ca.crt"))).toBe(false);

  const dirB = join(work, "dur-b");
  const b: E2EServer = await startE2EServer({ dataDir: dirB, port, extraArgs: replicaArgs("site-1"), env: replicaEnv });
  try {
    expect(readFileSync(join(dirB, "server", "tls", "server-ca.crt"), "utf8")).toBe(tls.ca);
    // The restored file was checked (and its indexes rebuilt if Litestream left them behind its rows).
    expect(b.logs()).toContain("restored store checked");
    // Litestream's inconsistent restores (litestream#582): what the check found, for the next look.
    const rebuilt = b.logs().split("\n").find((l) => l.includes("were rebuilt"));
    if (rebuilt) console.log(rebuilt);
    const list = (await (await fetch(base, { tls } as any)).json()) as any;
    const present = new Map<string, number>(list.items.map((i: any) => [i.metadata.name, Number(i.metadata.resourceVersion)]));
    const old = [...acked].filter(([, v]) => v.at < killedAt - 1000);
    expect(old.length).toBeGreaterThan(0);
    const missingAges = [...acked].filter(([name]) => !present.has(name)).map(([, v]) => killedAt - v.at);
    console.log(`missing ${missingAges.length} of ${acked.size}; oldest missing acknowledged ${Math.max(0, ...missingAges)} ms before the kill`);
    expect(old.filter(([name]) => !present.has(name)).map(([name]) => name)).toEqual([]);
    for (const [name, v] of old) expect(present.get(name)).toBe(v.rv);
    console.log(`acknowledged ${acked.size}, of which ${old.length} more than 1 s before the kill: all present; of the last second ${[...acked.keys()].filter((k) => present.has(k)).length - old.length} of ${acked.size - old.length} present`);
    // Revisions move forward past everything the lost server handed out.
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(highest);
    // The kubeconfig written on the lost box works with the real kubectl.
    const k = Bun.spawnSync([KUBECTL, "--kubeconfig", oldKubeconfig, "get", "configmap", old[0]![0], "-o", "jsonpath={.data.v}"], { env: { ...process.env, HOME: work, KUBECACHEDIR: join(work, "kubecache") } });
    expect(k.exitCode).toBe(0);
    expect(k.stdout.toString()).toBe("x".repeat(256));
    const created = await fetch(base, { method: "POST", body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dur-after" } }), headers: { "content-type": "application/json" }, tls } as any);
    expect(created.status).toBe(201);
    expect(Number(((await created.json()) as any).metadata.resourceVersion)).toBeGreaterThan(highest);
  } finally {
    await b.stop();
  }
}, 240_000);

test("scheduled snapshots are uploaded to the replica's bucket and pruned there to --snapshot-retention", async () => {
  const dir = join(work, "dur-sched");
  const args = replicaArgs("site-2").filter((a) => a !== "--disable-snapshots");
  const server = await startE2EServer({ dataDir: dir, extraArgs: [...args, "--snapshot-schedule-cron", "@every 1s", "--snapshot-retention", "2"], env: replicaEnv });
  try {
    const bucketView = snapshotBucket({ url: `s3://${bucket}/site-2`, endpoint: `http://127.0.0.1:${s3Port}`, accessKey: "test:tester", secretKey })!;
    // Each round uploads one, then prunes: between the two the bucket briefly holds three.
    let seen: string[] = [];
    for (let i = 0; i < 100 && (seen = await bucketView.list("k3rs-snapshot")).length !== 2; i++) await Bun.sleep(200);
    expect(seen.length).toBe(2);
    expect(seen.every((k) => k.startsWith("site-2/snapshots/k3rs-snapshot-"))).toBe(true);
    await Bun.sleep(3000); // three more rounds
    let later: string[] = [];
    for (let i = 0; i < 100 && (later = await bucketView.list("k3rs-snapshot")).length !== 2; i++) await Bun.sleep(100);
    expect(later.length).toBe(2);
    expect(later).not.toEqual(seen); // newer ones replaced the first two
    expect(listSnapshots(dir).length).toBeLessThanOrEqual(2);
  } finally {
    await server.stop();
  }
}, 120_000);

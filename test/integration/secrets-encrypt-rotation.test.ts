/**
 * `k3rs secrets-encrypt rotate-keys` against a running server while clients keep writing
 * Secrets: nothing is lost, nothing is left in plain text or under the old key, the old key is
 * gone, and a restart and a snapshot restore read every value with the keys they carry.
 */
import { afterAll, expect, test } from "bun:test";
import { Command } from "commander";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import YAML from "yaml";
import { startServer } from "../../src/server/run.ts";
import type { ServerConfig } from "../../src/config/server-config.ts";
import { registerSecretsEncryptCommand } from "../../src/cli/secrets-encrypt-command.ts";
import { AesGcmTransformer } from "../../src/store/value-encryption.ts";
import { encryptionConfigPath } from "../../src/server/secrets-encryption.ts";
import { saveSnapshot } from "../../src/server/snapshots/snapshot-dir.ts";
import { bootstrapTableAt } from "../../src/store/sqlite.ts";
import { unseal } from "../../src/pki/seal.ts";

const N = 300;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "encrypt-rot-"));
  dirs.push(d);
  return d;
}
function config(dir: string): ServerConfig {
  return {
    dataDir: dir, httpsListenPort: 0, bindAddress: "127.0.0.1", nodeName: "encrypt-rot", nodeIp: "127.0.0.1", disableAgent: true, token: "encrypt-rot-token",
    writeKubeconfigMode: 0o600, debug: false, clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", tlsSan: [], nodeLabel: [], nodeTaint: [],
    runtime: "fake", kubeControllerManagerArg: [], kubeApiserverArg: [], kubeletArg: [], disable: [], disableSnapshots: true,
  };
}
function tlsOf(kubeconfigPath: string) {
  const kc = YAML.parse(readFileSync(kubeconfigPath, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
}
function api(port: number, tls: ReturnType<typeof tlsOf>) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`https://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      tls,
    } as any);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}
/** A value no other byte sequence in the files could spell by chance. */
const marker = (i: number, version: number) => `ENCROT-${i}-V${version}-${"q".repeat(12)}`;
const b64 = (s: string) => Buffer.from(s).toString("base64");

async function secretsEncrypt(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  let code = -1;
  const program = new Command("k3rs").exitOverride();
  registerSecretsEncryptCommand(program, { out: (t) => (out += t), err: (t) => (err += t), exit: (c) => (code = c), pollMs: 10 });
  await program.parseAsync(["secrets-encrypt", ...args], { from: "user" });
  return { code, out, err };
}

/** Every row of the encrypted resources on disk, by the key name its value was written with. */
function rowKeyNames(dir: string): Map<string, string | undefined> {
  const db = new Database(join(dir, "server", "db", "state.db"), { readonly: true });
  try {
    const rows = db.query("SELECT key, value FROM kv WHERE key >= '/secrets/' AND key < '/secrets0'").all() as { key: string; value: string }[];
    return new Map(rows.map((r) => [r.key, AesGcmTransformer.keyNameOf(r.value)]));
  } finally {
    db.close();
  }
}

test("rotate-keys while Secrets are written: latest values kept, no plain text on disk, every row under the new key, old key gone, a restart and a snapshot read it all", async () => {
  const dir = dataDir();
  let server = await startServer(config(dir));
  const tls = tlsOf(server.kubeconfigPath);
  let call = api(server.port, tls);
  const latest = new Map<number, number>();
  try {
    for (let i = 0; i < N; i += 25) {
      const made = await Promise.all(
        Array.from({ length: Math.min(25, N - i) }, (_, j) =>
          call("POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: `encrot-${i + j}` }, data: { v: b64(marker(i + j, 0)) } }),
        ),
      );
      expect(made.map((r) => r.status)).toEqual(made.map(() => 201));
    }
    for (let i = 0; i < N; i++) latest.set(i, 0);
    const before = await call("GET", "/v1-k3rs/encrypt/status");
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ enable: true, stage: "start", keyType: "AES-GCM", inactiveKeys: [] });
    const oldKey: string = before.body.activeKey;
    expect(new Set(rowKeyNames(dir).values())).toEqual(new Set([oldKey]));

    // Only cluster admins: anyone else is refused by RBAC, as any non-resource URL.
    const bob = await call("POST", "/v1-k3rs/encrypt/rotate-keys", undefined, { "Impersonate-User": "encrypt-bob" });
    expect(bob.status).toBe(403);
    expect(bob.body).toMatchObject({ kind: "Status", reason: "Forbidden" });

    // Writers keep updating (and creating) Secrets for as long as the rotation runs.
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      for (let round = 1; writing; round++) {
        const batch = Array.from({ length: 8 }, (_, j) => (round * 8 + j) * 7 % N);
        const results = await Promise.all(batch.map((i) => call("PATCH", `/api/v1/namespaces/default/secrets/encrot-${i}`, { data: { v: b64(marker(i, round)) } })));
        results.forEach((r, j) => {
          expect(r.status).toBe(200);
          latest.set(batch[j]!, round);
          writes++;
        });
      }
    })();
    const cli = await secretsEncrypt(["rotate-keys", "--kubeconfig", server.kubeconfigPath]);
    writing = false;
    await writer;
    expect(cli.err).toBe("");
    expect(cli.code).toBe(0);
    const lines = cli.out.trim().split("\n");
    expect(lines[0]).toBe("keys rotated, reencryption started");
    expect(lines.some((l) => /^reencrypted \d+\/\d+$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^reencryption finished: \d+ values under key aesgcmkey-\d{8}T\d{6}Z, old keys retired$/);
    expect(writes).toBeGreaterThan(0);

    const after = (await call("GET", "/v1-k3rs/encrypt/status")).body;
    const newKey: string = after.activeKey;
    expect(newKey).not.toBe(oldKey);
    expect(after).toMatchObject({ stage: "reencrypt_finished", inactiveKeys: [] });
    expect(after.reencrypt.done).toBe(after.reencrypt.total);

    for (let i = 0; i < N; i++) {
      const r = await call("GET", `/api/v1/namespaces/default/secrets/encrot-${i}`);
      expect(r.status).toBe(200);
      expect(Buffer.from(r.body.data.v, "base64").toString()).toBe(marker(i, latest.get(i)!));
    }
    // On disk: every row under the new key; no value of any version, plain or base64, in the file or its WAL.
    const names = rowKeyNames(dir);
    expect([...names.keys()].filter((k) => k.startsWith("/secrets/default/encrot-"))).toHaveLength(N);
    expect(new Set(names.values())).toEqual(new Set([newKey]));
    const dbDir = join(dir, "server", "db");
    const bytes = readdirSync(dbDir).filter((f) => f.startsWith("state.db")).map((f) => readFileSync(join(dbDir, f)).toString("latin1")).join("");
    expect(bytes).toContain(`/secrets/default/encrot-0`);
    for (let i = 0; i < N; i++) {
      for (const v of new Set([0, latest.get(i)!])) {
        expect(bytes.includes(marker(i, v))).toBe(false);
        expect(bytes.includes(b64(marker(i, v)))).toBe(false);
      }
    }
    // The old key is gone from the key set the server would start with.
    const configured = JSON.parse(readFileSync(encryptionConfigPath(dir), "utf8")).resources[0].providers[0].aesgcm.keys.map((k: { name: string }) => k.name);
    expect(configured).toEqual([newKey]);
    // …and from the copy sealed in the store, which a restore or a replica would bring back.
    const sealed = bootstrapTableAt(join(dir, "server", "db", "state.db")).readBootstrap("pki")!;
    const sealedConfig = JSON.parse(JSON.parse(new TextDecoder().decode(unseal(sealed, "encrypt-rot-token"))).files["encryption-config.json"]);
    expect(sealedConfig.resources[0].providers[0].aesgcm.keys.map((k: { name: string }) => k.name)).toEqual([newKey]);
    const status = await secretsEncrypt(["status", "--kubeconfig", server.kubeconfigPath]);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`Encryption Status: Enabled\nCurrent Rotation Stage: reencrypt_finished\nServer Encryption Hashes: All hashes match\n\nActive  Key Type  Name\n------  --------  ----\n *      AES-GCM   ${newKey}\n`);
    const snap = saveSnapshot(dir, { node: "encrypt-rot" });

    // A restart reads everything with the persisted (sealed) key set.
    await server.stop();
    server = await startServer(config(dir));
    call = api(server.port, tls);
    expect((await call("GET", "/v1-k3rs/encrypt/status")).body).toMatchObject({ activeKey: newKey, inactiveKeys: [], stage: "reencrypt_finished" });
    for (let i = 0; i < N; i += 50) {
      const r = await call("GET", `/api/v1/namespaces/default/secrets/encrot-${i}`);
      expect(Buffer.from(r.body.data.v, "base64").toString()).toBe(marker(i, latest.get(i)!));
    }
    await server.stop();

    // A snapshot taken after the rotation, on an empty box with the token: its sealed keys open it.
    const fresh = dataDir();
    mkdirSync(join(fresh, "server", "db"), { recursive: true });
    copyFileSync(snap.path, join(fresh, "server", "db", "state.db"));
    server = await startServer(config(fresh));
    call = api(server.port, tlsOf(server.kubeconfigPath));
    expect((await call("GET", "/v1-k3rs/encrypt/status")).body.activeKey).toBe(newKey);
    const list = await call("GET", "/api/v1/namespaces/default/secrets");
    expect(list.status).toBe(200);
    const restored = new Map<string, string>(list.body.items.map((s: any) => [s.metadata.name, Buffer.from(s.data?.v ?? "", "base64").toString()]));
    for (let i = 0; i < N; i++) expect(restored.get(`encrot-${i}`)).toBe(marker(i, latest.get(i)!));
  } finally {
    await server.stop();
  }
}, 120_000);

test("a stop in the middle of a rotation loses nothing: the next start reads every value and finishes the rotation", async () => {
  const dir = dataDir();
  let server = await startServer(config(dir));
  const tls = tlsOf(server.kubeconfigPath);
  const M = 2000;
  try {
    // Straight into the store (fast), as the API would write them: several reseal batches' worth.
    await Promise.all(
      Array.from({ length: M }, (_, i) =>
        server.store.create(`/secrets/default/encmid-${i}`, { apiVersion: "v1", kind: "Secret", metadata: { name: `encmid-${i}`, namespace: "default", uid: `encmid-${i}` }, data: { v: b64(marker(i, 0)) } } as any),
      ),
    );
    const oldKey = server.encryption.status().activeKey;
    const started = server.encryption.rotateKeys();
    // Stopped in the same tick: the pass gets through its first batch at most.
    await server.stop();
    const onDisk = new Set(rowKeyNames(dir).values());
    expect(onDisk).toEqual(new Set([oldKey, started.activeKey]));
    const configured = JSON.parse(readFileSync(encryptionConfigPath(dir), "utf8")).resources[0].providers[0].aesgcm.keys.map((k: { name: string }) => k.name);
    expect(configured).toEqual([started.activeKey, oldKey]);

    server = await startServer(config(dir));
    const call = api(server.port, tls);
    for (let i = 0; i < M; i += 97) {
      const r = await call("GET", `/api/v1/namespaces/default/secrets/encmid-${i}`);
      expect(r.status).toBe(200);
      expect(Buffer.from(r.body.data.v, "base64").toString()).toBe(marker(i, 0));
    }
    await server.encryption.settled();
    const status = (await call("GET", "/v1-k3rs/encrypt/status")).body;
    expect(status).toMatchObject({ activeKey: started.activeKey, inactiveKeys: [], stage: "reencrypt_finished" });
    expect(new Set(rowKeyNames(dir).values())).toEqual(new Set([started.activeKey]));
  } finally {
    await server.stop();
  }
}, 60_000);

import { afterEach, expect, test } from "bun:test";
import { Command } from "commander";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerSecretsEncryptCommand, type SecretsEncryptDeps } from "./secrets-encrypt-command.ts";
import type { EncryptionStatus } from "../model/encryption-status.ts";
import { ensureSecretsEncryption } from "../server/secrets-encryption.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function kubeconfig(server: string): string {
  const dir = mkdtempSync(join(tmpdir(), "encrypt-cli-"));
  dirs.push(dir);
  const path = join(dir, "admin.kubeconfig");
  writeFileSync(path, `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\n`);
  return path;
}

async function k3rs(args: string[], deps: SecretsEncryptDeps = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  let code = -1;
  const program = new Command("k3rs").exitOverride();
  registerSecretsEncryptCommand(program, { out: (t) => (out += t), err: (t) => (err += t), exit: (c) => (code = c), pollMs: 1, isRoot: false, ...deps });
  await program.parseAsync(["secrets-encrypt", ...args], { from: "user" });
  return { code, out, err };
}

const base: EncryptionStatus = { enable: true, stage: "reencrypt_active", keyType: "AES-GCM", activeKey: "aesgcmkey-new", inactiveKeys: ["aesgcmkey-old"], resources: ["secrets"], hashMatch: true };
const at = (done: number, total: number, o: Partial<EncryptionStatus> = {}): EncryptionStatus => ({ ...base, reencrypt: { done, total, startedAt: "2026-12-06T15:00:00.000Z" }, ...o });

/** A server that answers the POST with `first` and each status poll with the next of `polls`. */
function scripted(first: EncryptionStatus, polls: EncryptionStatus[]) {
  const seen: string[] = [];
  const fetcher = async (url: string, init: RequestInit) => {
    seen.push(`${init.method} ${new URL(url).pathname}`);
    const body = init.method === "POST" ? first : polls.shift()!;
    return new Response(JSON.stringify(body), { status: init.method === "POST" ? 202 : 200, headers: { "content-type": "application/json" } });
  };
  return { fetcher, seen };
}

test("rotate-keys prints each step of the server's progress and its end; exit 0", async () => {
  const { fetcher, seen } = scripted(at(0, 5), [at(0, 5), at(2, 5), at(5, 5), at(5, 5, { stage: "reencrypt_finished", inactiveKeys: [] })]);
  const r = await k3rs(["rotate-keys", "--kubeconfig", kubeconfig("https://k3rs.test:6443")], { fetcher });
  expect(r).toEqual({
    code: 0,
    err: "",
    out: "keys rotated, reencryption started\nreencrypted 0/5\nreencrypted 2/5\nreencrypted 5/5\nreencryption finished: 5 values under key aesgcmkey-new, old keys retired\n",
  });
  expect(seen).toEqual(["POST /v1-k3rs/encrypt/rotate-keys", ...Array(4).fill("GET /v1-k3rs/encrypt/status")]);
});

test("a pass that fails on the server: its error, exit 1", async () => {
  const { fetcher } = scripted(at(0, 3), [at(1, 3, { stage: "reencrypt_request", error: "persisting the key set: disk full" })]);
  const r = await k3rs(["reencrypt", "--kubeconfig", kubeconfig("https://k3rs.test:6443")], { fetcher });
  expect(r.code).toBe(1);
  expect(r.out).toBe("reencryption started\nreencrypted 0/3\nreencrypted 1/3\n");
  expect(r.err).toBe("k3rs secrets-encrypt: reencryption failed: persisting the key set: disk full\n");
});

test("a refusal from the server (another pass running) is told as it came; exit 1", async () => {
  const fetcher = async () => new Response(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 409, reason: "Conflict", message: "a re-encryption is in progress (3/9 done); wait for stage reencrypt_finished" }), { status: 409 });
  const r = await k3rs(["rotate-keys", "--kubeconfig", kubeconfig("https://k3rs.test:6443")], { fetcher });
  expect(r).toEqual({ code: 1, out: "", err: "k3rs secrets-encrypt: a re-encryption is in progress (3/9 done); wait for stage reencrypt_finished\n" });
});

test("an unreachable server, or no kubeconfig: a one-line error and exit 1", async () => {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  const down = await k3rs(["rotate-keys", "--kubeconfig", kubeconfig("https://127.0.0.1:1")]);
  expect(down.code).toBe(1);
  expect(down.out).toBe("");
  expect(down.err).toStartWith("k3rs secrets-encrypt: cannot reach the server at https://127.0.0.1:1");
  const status = await k3rs(["status", "--kubeconfig", kubeconfig("https://127.0.0.1:1")]);
  expect(status.code).toBe(1);
  expect(status.err).toStartWith("k3rs secrets-encrypt: cannot reach the server at https://127.0.0.1:1");
  expect(status.err).toEndWith("(--offline reads the data dir without the server)\n");

  const empty = mkdtempSync(join(tmpdir(), "encrypt-cli-empty-"));
  dirs.push(empty);
  const none = await k3rs(["status", "--data-dir", empty]);
  expect(none).toEqual({ code: 1, out: "", err: `k3rs secrets-encrypt: no kubeconfig at ${join(empty, "server", "cred", "admin.kubeconfig")}: run this on the server (with its --data-dir) or give --kubeconfig\n` });
});

test("status prints K3s' lines and key table (text) or the status object (json); --offline reads the data dir", async () => {
  const fetcher = async () => Response.json(at(5, 5, { stage: "reencrypt_finished", reencrypt: { done: 5, total: 5, startedAt: "2026-12-06T15:00:00.000Z", finishedAt: "2026-12-06T15:00:01.000Z" } }));
  const text = await k3rs(["status", "--kubeconfig", kubeconfig("https://k3rs.test:6443")], { fetcher });
  expect(text).toEqual({
    code: 0,
    err: "",
    out: [
      "Encryption Status: Enabled",
      "Current Rotation Stage: reencrypt_finished",
      "Server Encryption Hashes: All hashes match",
      "",
      "Active  Key Type  Name",
      "------  --------  ----",
      " *      AES-GCM   aesgcmkey-new",
      "        AES-GCM   aesgcmkey-old",
      "",
      "Encrypted Resources: secrets",
      "Reencryption: 5/5 values, started 2026-12-06T15:00:00.000Z, finished 2026-12-06T15:00:01.000Z",
      "",
    ].join("\n"),
  });
  const json = await k3rs(["status", "-o", "json", "--kubeconfig", kubeconfig("https://k3rs.test:6443")], { fetcher });
  expect(JSON.parse(json.out)).toMatchObject({ stage: "reencrypt_finished", activeKey: "aesgcmkey-new" });
  expect((await k3rs(["status", "-o", "yaml", "--kubeconfig", kubeconfig("https://k3rs.test:6443")], { fetcher })).code).toBe(1);

  const dataDir = mkdtempSync(join(tmpdir(), "encrypt-cli-data-"));
  dirs.push(dataDir);
  expect((await k3rs(["status", "--offline", "--data-dir", dataDir])).out).toBe("Encryption Status: Disabled, no configuration file found\n");
  mkdirSync(join(dataDir, "server"), { recursive: true });
  const key = ensureSecretsEncryption(dataDir).keys[0]!.name;
  const offline = await k3rs(["status", "--offline", "--data-dir", dataDir]);
  expect(offline.code).toBe(0);
  expect(offline.out).toContain(`Current Rotation Stage: start\n`);
  expect(offline.out).toContain(` *      AES-GCM   ${key}\n`);
});

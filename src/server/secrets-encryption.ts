/**
 * Secrets encryption at rest, K3s' way: `<data-dir>/server/cred/encryption-config.json` is an
 * apiserver EncryptionConfiguration made on first start with one random AES-256 key for the
 * `aesgcm` provider over `secrets` (and `identity` after it, so values stored before still
 * read). K3s makes it with `--secrets-encryption`; here it is on from the first start, as
 * issue 12 asks. The file is sealed into the store's bootstrap data with the PKI, so a replica
 * or snapshot carries the keys its values need; `key-rotation.ts` rewrites it online.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { Database } from "bun:sqlite";
import { writeAtomically } from "../pki/pair-files.ts";
import { AesGcmTransformer, type EncryptionKey } from "../store/value-encryption.ts";
import type { EncryptionStatus, RotationStage } from "../model/encryption-status.ts";

export const ENCRYPTED_RESOURCES = ["secrets"];

export function encryptionConfigPath(dataDir: string): string {
  return join(dataDir, "server", "cred", "encryption-config.json");
}

interface EncryptionConfiguration {
  kind: "EncryptionConfiguration";
  apiVersion: "apiserver.config.k8s.io/v1";
  resources: { resources: string[]; providers: ({ aesgcm: { keys: { name: string; secret: string }[] } } | { identity: Record<string, never> })[] }[];
}

export interface SecretsEncryption {
  transformer: AesGcmTransformer;
  resources: string[];
  keys: EncryptionKey[];
}

/**
 * Reads the config, making it (with a fresh key) when there is none. `resources`
 * (`--encrypt-resources`) given and different from the config's: the config is rewritten with
 * them, same keys; the values stored before are brought in line by the next pass (KeyRotation.resume).
 */
export function ensureSecretsEncryption(dataDir: string, resources?: string[]): SecretsEncryption {
  const path = encryptionConfigPath(dataDir);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const name = `aesgcmkey-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
    writeSecretsEncryption(path, resources ?? ENCRYPTED_RESOURCES, [{ name, secret: randomBytes(32) }]);
  }
  const enc = readSecretsEncryption(path);
  if (!resources || sameSet(resources, enc.resources)) return enc;
  writeSecretsEncryption(path, resources, enc.keys);
  return readSecretsEncryption(path);
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Writes the config (atomically, owner-only) with `keys[0]` as the write key; `identity` last, so values stored before encryption still read. */
export function writeSecretsEncryption(path: string, resources: string[], keys: EncryptionKey[]): void {
  const config: EncryptionConfiguration = {
    kind: "EncryptionConfiguration",
    apiVersion: "apiserver.config.k8s.io/v1",
    resources: [{ resources, providers: [{ aesgcm: { keys: keys.map((k) => ({ name: k.name, secret: k.secret.toString("base64") })) } }, { identity: {} }] }],
  };
  writeAtomically(path, JSON.stringify(config, null, 2) + "\n");
}

export function readSecretsEncryption(path: string): SecretsEncryption {
  let config: EncryptionConfiguration;
  try {
    config = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new Error(`reading the encryption config ${path}`, { cause });
  }
  const entry = config.resources?.find((r) => r.providers?.some((p) => "aesgcm" in p));
  const provider = entry?.providers.find((p) => "aesgcm" in p) as { aesgcm: { keys: { name: string; secret: string }[] } } | undefined;
  if (!entry || !provider?.aesgcm.keys?.length) throw new Error(`${path}: no aesgcm provider with keys`);
  const keys = provider.aesgcm.keys.map((k) => ({ name: k.name, secret: Buffer.from(k.secret, "base64") }));
  const resources = entry.resources;
  // Store keys are `/<resource>[.<group>]/…` (api/storage/keys.ts).
  return { transformer: new AesGcmTransformer(resources.map((r) => `/${r}/`), keys), resources, keys };
}

/** Where the rotation stage is kept for `status` after a restart (K3s keeps `encryption-state.json` beside the config too). */
export function encryptionStatePath(dataDir: string): string {
  return join(dataDir, "server", "cred", "encryption-state.json");
}

const STAGES: RotationStage[] = ["start", "reencrypt_request", "reencrypt_active", "reencrypt_finished"];

export function readRotationStage(dataDir: string): RotationStage | undefined {
  try {
    const stage = JSON.parse(readFileSync(encryptionStatePath(dataDir), "utf8")).stage;
    return STAGES.includes(stage) ? stage : undefined;
  } catch {
    return undefined;
  }
}

export function saveRotationStage(dataDir: string, stage: RotationStage): void {
  writeAtomically(encryptionStatePath(dataDir), JSON.stringify({ stage }) + "\n");
}

/** What the files say, for `k3rs secrets-encrypt status --offline`; undefined when there is no configuration. */
export interface OfflineEncryptionStatus {
  status: EncryptionStatus;
  /** Rows of the encrypted resources per key name ("(plaintext)" for values not encrypted); absent without a store file. */
  storedValues?: Record<string, number>;
}

/** `k3rs secrets-encrypt status --offline`: the config and how the store's values are written, read from the files (the server may be down). */
export function offlineEncryptionStatus(dataDir: string): OfflineEncryptionStatus | undefined {
  const path = encryptionConfigPath(dataDir);
  if (!existsSync(path)) return undefined;
  const enc = readSecretsEncryption(path);
  const stage = readRotationStage(dataDir);
  const status: EncryptionStatus = {
    enable: true,
    // A running server's pass is not visible from the files: several keys mean one is owed.
    stage: enc.keys.length > 1 ? "reencrypt_request" : stage === "reencrypt_active" || stage === "reencrypt_request" ? "start" : (stage ?? "start"),
    keyType: "AES-GCM",
    activeKey: enc.keys[0]!.name,
    inactiveKeys: enc.keys.slice(1).map((k) => k.name),
    resources: enc.resources,
    hashMatch: true,
  };
  const dbPath = join(dataDir, "server", "db", "state.db");
  if (!existsSync(dbPath)) return { status };
  const db = new Database(dbPath, { readonly: true });
  try {
    const counts: Record<string, number> = {};
    for (const r of enc.resources) {
      for (const row of db.query("SELECT value FROM kv WHERE key >= ? AND key < ?").all(`/${r}/`, `/${r}0`) as { value: string }[]) {
        const name = AesGcmTransformer.keyNameOf(row.value) ?? "(plaintext)";
        counts[name] = (counts[name] ?? 0) + 1;
      }
    }
    return { status, storedValues: counts };
  } finally {
    db.close();
  }
}

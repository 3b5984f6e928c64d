/**
 * Secrets encryption at rest, K3s' way: `<data-dir>/server/cred/encryption-config.json` is an
 * apiserver EncryptionConfiguration made on first start with one random AES-256 key for the
 * `aesgcm` provider over `secrets` (and `identity` after it, so values stored before still
 * read). K3s makes it with `--secrets-encryption`; here it is on from the first start, as
 * issue 12 asks. Keep the file with backups: without it a restored store cannot be opened.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { Database } from "bun:sqlite";
import { writeAtomically } from "../pki/pair-files.ts";
import { AesGcmTransformer, type EncryptionKey } from "../store/value-encryption.ts";

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

/** Reads the config, making it (with a fresh key) when there is none. */
export function ensureSecretsEncryption(dataDir: string): SecretsEncryption {
  const path = encryptionConfigPath(dataDir);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const name = `aesgcmkey-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
    const config: EncryptionConfiguration = {
      kind: "EncryptionConfiguration",
      apiVersion: "apiserver.config.k8s.io/v1",
      resources: [{ resources: ENCRYPTED_RESOURCES, providers: [{ aesgcm: { keys: [{ name, secret: randomBytes(32).toString("base64") }] } }, { identity: {} }] }],
    };
    writeAtomically(path, JSON.stringify(config, null, 2) + "\n");
  }
  return readSecretsEncryption(path);
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

/** `k3rs secrets-encrypt status`: the config and how the store's values are written, read from the files. */
export function secretsEncryptionStatus(dataDir: string): string {
  const path = encryptionConfigPath(dataDir);
  if (!existsSync(path)) return "Encryption Status: Disabled, no configuration file found\n";
  const enc = readSecretsEncryption(path);
  const lines = ["Encryption Status: Enabled", "Active Key Type: AES-GCM", `Active Key: ${enc.keys[0]!.name}`, `Encrypted Resources: ${enc.resources.join(", ")}`];
  const dbPath = join(dataDir, "server", "db", "state.db");
  if (existsSync(dbPath)) {
    const db = new Database(dbPath, { readonly: true });
    try {
      const counts = new Map<string, number>();
      for (const r of enc.resources) {
        for (const row of db.query("SELECT value FROM kv WHERE key >= ? AND key < ?").all(`/${r}/`, `/${r}0`) as { value: string }[]) {
          const name = AesGcmTransformer.keyNameOf(row.value) ?? "(plaintext)";
          counts.set(name, (counts.get(name) ?? 0) + 1);
        }
      }
      lines.push(`Stored Values: ${[...counts].map(([k, n]) => `${n} with ${k}`).join(", ") || "none"}`);
    } finally {
      db.close();
    }
  }
  return lines.join("\n") + "\n";
}

import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encryptionConfigPath, ensureSecretsEncryption, offlineEncryptionStatus } from "./secrets-encryption.ts";
import { openSqliteStore } from "../store/sqlite.ts";

test("first start makes an EncryptionConfiguration (owner-only) that later starts reuse; status tells how values are stored", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "k3rs-secenc-"));
  try {
    expect(offlineEncryptionStatus(dataDir)).toBeUndefined();
    const first = ensureSecretsEncryption(dataDir);
    const path = encryptionConfigPath(dataDir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(path, "utf8"));
    expect(config).toMatchObject({ kind: "EncryptionConfiguration", apiVersion: "apiserver.config.k8s.io/v1", resources: [{ resources: ["secrets"], providers: [{ aesgcm: {} }, { identity: {} }] }] });
    expect(Buffer.from(config.resources[0].providers[0].aesgcm.keys[0].secret, "base64")).toHaveLength(32);
    expect(ensureSecretsEncryption(dataDir).keys).toEqual(first.keys);
    mkdirSync(join(dataDir, "server", "db"), { recursive: true });
    const store = openSqliteStore({ path: join(dataDir, "server", "db", "state.db"), transformer: first.transformer });
    await store.create("/secrets/a/s", { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "a" } } as any);
    await store.create("/secretsx/a/s", { apiVersion: "v1", kind: "X", metadata: { name: "s", namespace: "a" } } as any);
    const status = offlineEncryptionStatus(dataDir);
    await store.close();
    expect(status).toEqual({
      status: { enable: true, stage: "start", keyType: "AES-GCM", activeKey: first.keys[0]!.name, inactiveKeys: [], resources: ["secrets"], hashMatch: true },
      storedValues: { [first.keys[0]!.name]: 1 },
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("--encrypt-resources: the first start writes them; a later change rewrites the config with the same keys", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "k3rs-secenc-res-"));
  try {
    const first = ensureSecretsEncryption(dataDir, ["secrets", "configmaps"]);
    expect(first.resources).toEqual(["secrets", "configmaps"]);
    expect(first.transformer.covers("/configmaps/a/b")).toBe(true);
    expect(ensureSecretsEncryption(dataDir).resources).toEqual(["secrets", "configmaps"]);
    const changed = ensureSecretsEncryption(dataDir, ["secrets", "deployments.apps"]);
    expect(changed.resources).toEqual(["secrets", "deployments.apps"]);
    expect(changed.keys).toEqual(first.keys);
    expect(changed.transformer.covers("/configmaps/a/b")).toBe(false);
    expect(changed.transformer.covers("/deployments.apps/a/b")).toBe(true);
    expect(JSON.parse(readFileSync(encryptionConfigPath(dataDir), "utf8")).resources[0].resources).toEqual(["secrets", "deployments.apps"]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

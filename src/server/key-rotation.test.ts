import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore, type SqliteStore } from "../store/sqlite.ts";
import { AesGcmTransformer, type EncryptionKey } from "../store/value-encryption.ts";
import { KeyRotation, type KeyRotationOptions } from "./key-rotation.ts";
import type { RotationStage } from "../model/encryption-status.ts";

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const old: EncryptionKey = { name: "old", secret: Buffer.alloc(32, 7) };
const secret = (name: string, v: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "a" }, stringData: { v } }) as any;

async function setup(n: number, o: Partial<KeyRotationOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-rot-"));
  dirs.push(dir);
  const transformer = new AesGcmTransformer(["/secrets/"], [old]);
  const store = openSqliteStore({ path: join(dir, "state.db"), transformer });
  stores.push(store);
  await Promise.all(Array.from({ length: n }, (_, i) => store.create(`/secrets/a/s${i}`, secret(`s${i}`, "v0"))));
  const persisted: { names: string[]; rowsUnderNew: number }[] = [];
  const persistedKeys: EncryptionKey[][] = [];
  const stages: RotationStage[] = [];
  const keyNames = () => [...store.storedValues("/secrets/")].map((r) => AesGcmTransformer.keyNameOf(r.stored));
  const rotation = new KeyRotation({
    transformer,
    keys: [old],
    resources: ["secrets"],
    store,
    persist: (keys) => {
      persistedKeys.push(keys);
      persisted.push({ names: keys.map((k) => k.name), rowsUnderNew: keyNames().filter((k) => k === keys[0]!.name && k !== "old").length });
    },
    saveStage: (s) => stages.push(s),
    batch: 16,
    now: () => new Date("2026-12-06T15:30:00Z"),
    ...o,
  });
  return { store, transformer, rotation, persisted, persistedKeys, stages, keyNames };
}

test("rotate-keys under concurrent updates: every value keeps its latest write, every row ends under the new key, the old key is retired after it was persisted", async () => {
  const { store, transformer, rotation, persisted, stages, keyNames } = await setup(300);
  const latest = new Map<string, string>();
  let writing = true;
  const writer = (async () => {
    for (let round = 1; writing; round++) {
      const i = (round * 37) % 300;
      await store.update(`/secrets/a/s${i}`, secret(`s${i}`, `v${round}`));
      latest.set(`s${i}`, `v${round}`);
    }
  })();
  const started = rotation.rotateKeys();
  expect(started).toMatchObject({ stage: "reencrypt_active", activeKey: "aesgcmkey-20261206T153000Z", inactiveKeys: ["old"] });
  expect(() => rotation.reencrypt()).toThrow(expect.objectContaining({ code: 409 }));
  await rotation.settled();
  writing = false;
  await writer;

  const status = rotation.status();
  expect(status).toMatchObject({ stage: "reencrypt_finished", activeKey: "aesgcmkey-20261206T153000Z", inactiveKeys: [] });
  expect(status.reencrypt!.done).toBe(status.reencrypt!.total);
  expect(status.reencrypt!.total).toBeGreaterThan(0);
  expect(stages).toEqual(["reencrypt_active", "reencrypt_finished"]);
  // The new set was durable before any value was written under its key; the retired set after.
  expect(persisted).toEqual([
    { names: ["aesgcmkey-20261206T153000Z", "old"], rowsUnderNew: 0 },
    { names: ["aesgcmkey-20261206T153000Z"], rowsUnderNew: 300 },
  ]);
  expect(transformer.keyNames).toEqual(["aesgcmkey-20261206T153000Z"]);
  expect(new Set(keyNames())).toEqual(new Set(["aesgcmkey-20261206T153000Z"]));
  expect(latest.size).toBeGreaterThan(0);
  for (let i = 0; i < 300; i++) expect((await store.get(`/secrets/a/s${i}`))!.object.stringData.v).toBe(latest.get(`s${i}`) ?? "v0");
});

test("a failure to retire leaves both keys and stage reencrypt_request with the error; reencrypt then finishes the job", async () => {
  let failing = true;
  let calls = 0;
  const { rotation, transformer } = await setup(20, {
    persist: () => {
      if (failing && ++calls === 2) throw new Error("disk full");
    },
  });
  rotation.rotateKeys();
  await rotation.settled();
  expect(rotation.status()).toMatchObject({ stage: "reencrypt_request", error: "disk full", inactiveKeys: ["old"] });
  expect(transformer.keyNames).toEqual(["aesgcmkey-20261206T153000Z", "old"]);
  failing = false;
  expect(rotation.reencrypt().stage).toBe("reencrypt_active");
  await rotation.settled();
  expect(rotation.status()).toMatchObject({ stage: "reencrypt_finished", inactiveKeys: [], reencrypt: { done: 0, total: 0 } });
  expect(rotation.status().error).toBeUndefined();
  expect(transformer.keyNames).toEqual(["aesgcmkey-20261206T153000Z"]);
});

test("a stop mid-pass keeps both keys; a rotation made with several keys starts at reencrypt_request and resume finishes it", async () => {
  const stop = new AbortController();
  const { store, transformer, rotation, keyNames, persistedKeys } = await setup(200, { signal: stop.signal, batch: 8 });
  rotation.rotateKeys();
  stop.abort();
  await rotation.settled();
  expect(rotation.status()).toMatchObject({ stage: "reencrypt_request", inactiveKeys: ["old"] });
  expect(rotation.status().error).toContain("the server is stopping");
  expect(keyNames()).toContain("old");

  // What the next start builds from the persisted set [new, old].
  expect(persistedKeys.map((ks) => ks.map((k) => k.name))).toEqual([["aesgcmkey-20261206T153000Z", "old"]]);
  const next = new KeyRotation({ transformer, keys: persistedKeys[0]!, resources: ["secrets"], store, persist: () => {} });
  expect(next.status().stage).toBe("reencrypt_request");
  next.resume();
  await next.settled();
  expect(next.status()).toMatchObject({ stage: "reencrypt_finished", inactiveKeys: [] });
  expect(new Set(keyNames())).toEqual(new Set(["aesgcmkey-20261206T153000Z"]));
});

test("after --encrypt-resources changed, resume encrypts the newly listed resources' values and writes the dropped ones plain; with nothing owed it does nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-rot-res-"));
  dirs.push(dir);
  const path = join(dir, "state.db");
  const obj = (kind: string) => ({ apiVersion: "v1", kind, metadata: { name: "x", namespace: "a" }, data: { v: "RESMARKER" } }) as any;
  const before = openSqliteStore({ path, transformer: new AesGcmTransformer(["/secrets/", "/configmaps/"], [old]) });
  await Promise.all([before.create("/secrets/a/x", obj("Secret")), before.create("/configmaps/a/x", obj("ConfigMap")), before.create("/deployments.apps/a/x", obj("Deployment"))]);
  await before.close();

  const transformer = new AesGcmTransformer(["/secrets/", "/deployments.apps/"], [old]);
  const store = openSqliteStore({ path, transformer });
  stores.push(store);
  const rows = () => Object.fromEntries([...store.storedValues("/")].map((r) => [r.key, AesGcmTransformer.keyNameOf(r.stored) ?? "(plain)"]));
  expect(rows()).toEqual({ "/configmaps/a/x": "old", "/deployments.apps/a/x": "(plain)", "/secrets/a/x": "old" });
  const rotation = new KeyRotation({ transformer, keys: [old], resources: ["secrets", "deployments.apps"], store, persist: () => {} });
  rotation.resume();
  await rotation.settled();
  expect(rotation.status()).toMatchObject({ stage: "reencrypt_finished", activeKey: "old", inactiveKeys: [], reencrypt: { done: 2, total: 2 } });
  expect(rows()).toEqual({ "/configmaps/a/x": "(plain)", "/deployments.apps/a/x": "old", "/secrets/a/x": "old" });
  for (const k of ["/configmaps/a/x", "/deployments.apps/a/x", "/secrets/a/x"]) expect((await store.get(k))!.object.data.v).toBe("RESMARKER");

  const idle = new KeyRotation({ transformer, keys: [old], resources: ["secrets", "deployments.apps"], store, persist: () => {} });
  idle.resume();
  await idle.settled();
  expect(idle.status().stage).toBe("start");
});

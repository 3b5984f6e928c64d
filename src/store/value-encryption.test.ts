import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AesGcmTransformer, ENCRYPTED_PREFIX } from "./value-encryption.ts";
import { openSqliteStore } from "./sqlite.ts";

const key = (name: string, fill: number) => ({ name, secret: Buffer.alloc(32, fill) });
const t = new AesGcmTransformer(["/secrets/"], [key("k1", 1)]);

describe("aesgcm values", () => {
  test("keys under an encrypted prefix are written encrypted and read back; others pass", () => {
    const stored = t.toStored("/secrets/a/s", '{"data":{"p":"c2VjcmV0"}}');
    expect(stored.startsWith(`${ENCRYPTED_PREFIX}k1:`)).toBe(true);
    expect(stored).not.toContain("c2VjcmV0");
    expect(t.fromStored("/secrets/a/s", stored)).toBe('{"data":{"p":"c2VjcmV0"}}');
    expect(t.toStored("/configmaps/a/c", "{}")).toBe("{}");
    expect(t.fromStored("/secrets/a/old", '{"plain":true}')).toBe('{"plain":true}');
  });

  test("a value moved to another key, tampered with, or under an unknown key name is refused", () => {
    const stored = t.toStored("/secrets/a/s", "{}");
    expect(() => t.fromStored("/secrets/b/s", stored)).toThrow("fails authentication");
    const flipped = stored.slice(0, -6) + (stored.slice(-6, -5) === "A" ? "B" : "A") + stored.slice(-5);
    expect(() => t.fromStored("/secrets/a/s", flipped)).toThrow();
    expect(() => new AesGcmTransformer(["/secrets/"], [key("k2", 2)]).fromStored("/secrets/a/s", stored)).toThrow('encrypted with key "k1"');
  });

  test("a rotated config still reads values of the old key and writes with the new", () => {
    const rotated = new AesGcmTransformer(["/secrets/"], [key("k2", 2), key("k1", 1)]);
    expect(rotated.fromStored("/secrets/a/s", t.toStored("/secrets/a/s", "{}"))).toBe("{}");
    expect(AesGcmTransformer.keyNameOf(rotated.toStored("/secrets/a/s", "{}"))).toBe("k2");
  });
});

test("through the SQLite store: no secret value in the database or its WAL, and it reopens", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-enc-"));
  try {
    const path = join(dir, "state.db");
    const marker = "TOPSECRET-" + "x".repeat(8);
    let store = openSqliteStore({ path, transformer: t });
    await store.create("/secrets/a/s", { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "a" }, stringData: { v: marker } } as any);
    await store.create("/configmaps/a/c", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "a" }, data: { v: "PLAIN-MARKER" } } as any);
    const files = () => readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString("latin1")).join("");
    expect(files()).not.toContain(marker);
    expect(files()).toContain("PLAIN-MARKER");
    expect((await store.get("/secrets/a/s"))!.object.stringData.v).toBe(marker);
    await store.close();
    store = openSqliteStore({ path, transformer: t });
    expect((await store.get("/secrets/a/s"))!.object.stringData.v).toBe(marker);
    await store.close();
    // Another key (a lost config replaced): the store refuses to open rather than lose the value.
    expect(() => openSqliteStore({ path, transformer: new AesGcmTransformer(["/secrets/"], [key("k9", 9)]) })).toThrow("loading the store");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("setKeys swaps the key set in place: new writes use the new first key, a dropped key no longer decrypts; bad sets are refused", () => {
  const live = new AesGcmTransformer(["/secrets/"], [key("k1", 1)]);
  const old = live.toStored("/secrets/a/s", "{}");
  live.setKeys([key("k2", 2), key("k1", 1)]);
  expect(live.activeKeyName).toBe("k2");
  expect(AesGcmTransformer.keyNameOf(live.toStored("/secrets/a/s", "{}"))).toBe("k2");
  expect(live.fromStored("/secrets/a/s", old)).toBe("{}");
  live.setKeys([key("k2", 2)]);
  expect(() => live.fromStored("/secrets/a/s", old)).toThrow('encrypted with key "k1"');
  expect(() => live.setKeys([])).toThrow("at least one key");
  expect(() => live.setKeys([key("k3", 3), key("k3", 4)])).toThrow("must differ");
  expect(live.keyNames).toEqual(["k2"]);
});

test("reseal re-encrypts the current value under the active key: same revision, no watch event, never an older copy; NotFound once deleted", async () => {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-reseal-"));
  try {
    const live = new AesGcmTransformer(["/secrets/"], [key("k1", 1)]);
    const store = openSqliteStore({ path: join(dir, "state.db"), transformer: live });
    const secret = (v: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "a" }, stringData: { v } }) as any;
    const created = await store.create("/secrets/a/s", secret("one"));
    await store.create("/secrets/a/gone", secret("x"));
    const events: string[] = [];
    store.watch("/secrets/", { fromRevision: store.revision() }, (e) => events.push(`${e.type} ${e.key}`));
    live.setKeys([key("k2", 2), key("k1", 1)]);
    const resealed = await store.reseal("/secrets/a/s");
    expect(resealed.revision).toBe(created.revision);
    const rows = () => new Map([...store.storedValues("/secrets/")].map((r) => [r.key, AesGcmTransformer.keyNameOf(r.stored)]));
    expect(rows()).toEqual(new Map([["/secrets/a/gone", "k1"], ["/secrets/a/s", "k2"]]));
    // An update queued in the same batch before the reseal: the reseal writes the updated value.
    const [updated] = await Promise.all([store.update("/secrets/a/s", secret("two")), store.reseal("/secrets/a/s"), store.delete("/secrets/a/gone")]);
    await expect(store.reseal("/secrets/a/gone")).rejects.toMatchObject({ code: "NotFound" });
    expect(events).toEqual(["MODIFIED /secrets/a/s", "DELETED /secrets/a/gone"]);
    expect((await store.get("/secrets/a/s"))!).toMatchObject({ revision: updated.revision, object: { stringData: { v: "two" } } });
    await store.close();
    const reopened = openSqliteStore({ path: join(dir, "state.db"), transformer: new AesGcmTransformer(["/secrets/"], [key("k2", 2)]) });
    expect((await reopened.get("/secrets/a/s"))!.object.stringData.v).toBe("two");
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

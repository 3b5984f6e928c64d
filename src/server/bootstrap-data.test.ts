import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootstrapTokenError, restoreBootstrap, saveBootstrap, type BootstrapTable } from "./bootstrap-data.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tlsDir(): string {
  const d = mkdtempSync(join(tmpdir(), "dur-boot-"));
  dirs.push(d);
  return d;
}
function table(): BootstrapTable & { rows: Map<string, Uint8Array> } {
  const rows = new Map<string, Uint8Array>();
  return { rows, readBootstrap: (n) => rows.get(n), writeBootstrap: (n, v) => void rows.set(n, v) };
}

test("saved on one box, restored on an empty one with the same token; unchanged files are not resealed", () => {
  const t = table();
  const a = tlsDir();
  writeFileSync(join(a, "server-ca.crt"), "CA CERT");
  writeFileSync(join(a, "server-ca.key"), "CA KEY");
  expect(saveBootstrap(t, a, "tok")).toBe(true);
  expect(saveBootstrap(t, a, "tok")).toBe(false);
  const b = tlsDir();
  expect(restoreBootstrap(t, b, "tok")).toEqual(["server-ca.crt", "server-ca.key"]);
  expect(readFileSync(join(b, "server-ca.key"), "utf8")).toBe("CA KEY");
  expect(restoreBootstrap(t, b, "tok")).toEqual([]);
});

test("the store's copy wins over a different file on disk, which is kept aside", () => {
  const t = table();
  const a = tlsDir();
  writeFileSync(join(a, "server-ca.crt"), "CLUSTER CA");
  saveBootstrap(t, a, "tok");
  const b = tlsDir();
  writeFileSync(join(b, "server-ca.crt"), "LOCAL CA");
  expect(restoreBootstrap(t, b, "tok", 1_700_000_000_000)).toEqual(["server-ca.crt"]);
  expect(readFileSync(join(b, "server-ca.crt"), "utf8")).toBe("CLUSTER CA");
  expect(readFileSync(join(b, "server-ca.crt.replaced-1700000000"), "utf8")).toBe("LOCAL CA");
});

test("a wrong or missing token is refused with a clear message and writes nothing", () => {
  const t = table();
  const a = tlsDir();
  writeFileSync(join(a, "server-ca.key"), "CA KEY");
  saveBootstrap(t, a, "right");
  const b = tlsDir();
  expect(() => restoreBootstrap(t, b, "wrong")).toThrow(BootstrapTokenError);
  expect(() => restoreBootstrap(t, b, "wrong")).toThrow("not the token this cluster's bootstrap data was sealed with; nothing was changed");
  expect(() => restoreBootstrap(t, b, undefined)).toThrow("start the server with --token");
  expect(readdirSync(b)).toEqual([]);
});

test("an empty store restores nothing", () => {
  const b = tlsDir();
  mkdirSync(b, { recursive: true });
  expect(restoreBootstrap(table(), b, undefined)).toEqual([]);
  expect(existsSync(join(b, "server-ca.crt"))).toBe(false);
});

import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "./sqlite.ts";
import { StoreSchemaTooNewError } from "./schema-version.ts";
import { makeObject } from "./conformance.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "ops-schema-"));
  dirs.push(dir);
  return join(dir, "state.db");
}

test("a store written by a newer k3rs (higher schema version) is refused with a message that says so, and left untouched", async () => {
  const path = tempPath();
  const store = openSqliteStore({ path });
  await store.create("/registry/configmaps/default/a", makeObject("a"));
  await store.close();
  const raw = new Database(path);
  raw.run("PRAGMA user_version = 99");
  raw.close();

  let err: unknown;
  try {
    openSqliteStore({ path });
  } catch (e) {
    err = e;
  }
  const cause = (err as Error).cause;
  expect(cause).toBeInstanceOf(StoreSchemaTooNewError);
  expect((cause as Error).message).toContain(`the store ${path} has schema version 99, written by a newer k3rs`);
  expect((cause as Error).message).toContain("Downgrades are not supported");

  const after = new Database(path, { readonly: true });
  expect((after.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(99);
  expect((after.query("SELECT count(*) AS n FROM kv").get() as { n: number }).n).toBe(1);
  after.close();
});

test("the schema this build writes opens again with its rows (an upgrade of the executable keeps the cluster)", async () => {
  const path = tempPath();
  const store = openSqliteStore({ path });
  await store.create("/registry/configmaps/default/a", makeObject("a"));
  await store.close();
  const again = openSqliteStore({ path });
  expect((await again.get("/registry/configmaps/default/a"))?.object.metadata?.name).toBe("a");
  await again.close();
});

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enableListenerMigration } from "./listener-migration.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the knob off is turned on", () => {
  const knob = join(dir, "tcp_migrate_req");
  writeFileSync(knob, "0\n");
  expect(enableListenerMigration(knob)).toBe(true);
  expect(readFileSync(knob, "utf8").trim()).toBe("1");
});

test("a kernel without the knob: false, nothing written", () => {
  expect(enableListenerMigration(join(dir, "absent", "tcp_migrate_req"))).toBe(false);
});

import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rotateIfNeeded, rotatedFiles } from "./rotate.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-rotate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a log over the limit is renamed and reopened; only maxFiles - 1 rotated files stay", async () => {
  const log = join(dir, "0.log");
  let reopened = 0;
  const reopen = async () => {
    reopened++;
    writeFileSync(log, "");
  };
  const o = { maxBytes: 10, maxFiles: 3 };
  writeFileSync(log, "short");
  expect(await rotateIfNeeded(log, reopen, o)).toBe(false);
  for (let i = 0; i < 4; i++) {
    writeFileSync(log, `0123456789-${i}`);
    expect(await rotateIfNeeded(log, reopen, o, new Date(Date.UTC(2026, 0, 1, 0, 0, i)))).toBe(true);
  }
  expect(reopened).toBe(4);
  const kept = rotatedFiles(log);
  expect(kept.map((f) => f.split("/").pop())).toEqual(["0.log.20260101-000002", "0.log.20260101-000003"]);
  expect(readFileSync(kept[1]!, "utf8")).toBe("0123456789-3");
  expect(existsSync(log)).toBe(true);
});

import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditFile } from "./audit-file.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "k3rs-audit-file-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (n: number) => `${"x".repeat(n - 1)}\n`;
const backups = () => readdirSync(dir).filter((f) => f !== "audit.log").sort();

describe("AuditFile", () => {
  test("rotates before a line would pass maxBytes, keeping maxBackups of the newest backups", () => {
    let t = Date.parse("2026-01-01T00:00:00Z");
    const f = new AuditFile({ path: join(dir, "audit.log"), maxBytes: 100, maxBackups: 2, now: () => new Date((t += 1000)) });
    for (let i = 0; i < 10; i++) f.write(line(60));
    expect(readFileSync(join(dir, "audit.log"), "utf8")).toBe(line(60));
    expect(backups()).toHaveLength(2);
    expect(backups()[0]).toMatch(/^audit-2026-01-01T00-00-\d\d\.000\.log$/);
  });

  test("maxBackups 0 keeps every backup, as the apiserver's default", () => {
    let t = Date.parse("2026-01-01T00:00:00Z");
    const f = new AuditFile({ path: join(dir, "audit.log"), maxBytes: 100, now: () => new Date((t += 1000)) });
    for (let i = 0; i < 6; i++) f.write(line(60));
    expect(backups()).toHaveLength(5);
  });

  test("maxAgeDays removes backups older than that by the time in their name, and leaves other files alone", () => {
    const now = Date.parse("2026-03-10T12:00:00Z");
    writeFileSync(join(dir, "audit-2026-03-01T00-00-00.000.log"), "old\n");
    writeFileSync(join(dir, "audit-2026-03-09T00-00-00.000.log"), "recent\n");
    writeFileSync(join(dir, "audit-notes.log"), "not a backup\n");
    const f = new AuditFile({ path: join(dir, "audit.log"), maxBytes: 10, maxAgeDays: 7, now: () => new Date(now) });
    f.write(line(8));
    f.write(line(8));
    expect(backups()).toEqual(["audit-2026-03-09T00-00-00.000.log", "audit-2026-03-10T12-00-00.000.log", "audit-notes.log"]);
  });

  test("a path that cannot be opened stops the start with the path named", () => {
    writeFileSync(join(dir, "a-file"), "");
    expect(() => new AuditFile({ path: join(dir, "a-file", "audit.log") })).toThrow(`opening the audit log ${join(dir, "a-file", "audit.log")}`);
  });

  test("a write that fails is lost and told once, not thrown; writing resumes when the path is fixed", () => {
    const stderr = spyOn(process.stderr, "write").mockImplementation(() => true);
    const told = (text: string) => stderr.mock.calls.map((c) => String(c[0])).filter((l) => l.includes(text));
    try {
      const sub = join(dir, "logs");
      const path = join(sub, "audit.log");
      const f = new AuditFile({ path, maxBytes: 20 });
      f.write(line(15));
      // The directory is replaced by a file: the rotation's rename and every new file fail.
      rmSync(sub, { recursive: true });
      writeFileSync(sub, "");
      expect(() => { f.write(line(10)); f.write(line(10)); f.write(line(10)); }).not.toThrow();
      expect(told("audit: writing the log failed")).toHaveLength(1);
      rmSync(sub);
      mkdirSync(sub);
      f.write("back\n");
      expect(readFileSync(path, "utf8")).toBe("back\n");
      expect(told('"eventsLost":3')).toHaveLength(1);
    } finally {
      stderr.mockRestore();
    }
  });

  test("a full disk loses lines without throwing", () => {
    const stderr = spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const f = new AuditFile({ path: "/dev/full" });
      expect(() => f.write(line(10))).not.toThrow();
      expect(stderr.mock.calls.some((c) => String(c[0]).includes("ENOSPC"))).toBe(true);
    } finally {
      stderr.mockRestore();
    }
  });

  test("- writes to standard output", () => {
    const out: string[] = [];
    const f = new AuditFile({ path: "-", stdout: (l) => out.push(l) });
    f.write("{}\n");
    expect(out).toEqual(["{}\n"]);
  });
});

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findTailStart } from "./tail.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-tail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = "2024-05-01T10:00:00Z";
const LINES = [`${T} stdout F one\n`, `${T} stdout P tw\n`, `${T} stdout P o-\n`, `${T} stdout F two\n`, `${T} stderr F three\n`];

async function tailFrom(text: string, n: number, block?: number): Promise<string> {
  const path = join(dir, `f${Math.random()}`);
  writeFileSync(path, text);
  const fh = await open(path, "r");
  try {
    return text.slice(await findTailStart(fh, text.length, n, block));
  } finally {
    await fh.close();
  }
}

describe("tail start", () => {
  for (const block of [3, 17, 64 * 1024]) {
    test(`lines, not pieces, are counted (blocks of ${block} bytes)`, async () => {
      const text = LINES.join("");
      expect(await tailFrom(text, 0, block)).toBe("");
      expect(await tailFrom(text, 1, block)).toBe(LINES[4]!);
      expect(await tailFrom(text, 2, block)).toBe(LINES.slice(1).join(""));
      expect(await tailFrom(text, 3, block)).toBe(text);
      expect(await tailFrom(text, 10, block)).toBe(text);
      expect(await tailFrom(text, -1, block)).toBe(text);
    });
  }

  test("a line still being written (pieces at the end, or no newline yet) counts as the last line", async () => {
    const open1 = LINES.slice(0, 3).join("");
    expect(await tailFrom(open1, 1, 5)).toBe(LINES[1]! + LINES[2]!);
    const noNewline = LINES[0]! + `${T} stdout F unfinis`;
    expect(await tailFrom(noNewline, 1, 5)).toBe(`${T} stdout F unfinis`);
    expect(await tailFrom(noNewline, 2, 5)).toBe(noNewline);
  });

  test("an empty file", async () => {
    expect(await tailFrom("", 3)).toBe("");
  });
});

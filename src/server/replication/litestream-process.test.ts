import { afterEach, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LitestreamProcess } from "./litestream-process.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A stand-in for Litestream that records its arguments and runs until signalled. */
function fakeLitestream(): { binary: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "dur-ls-"));
  dirs.push(dir);
  const log = join(dir, "calls");
  const binary = join(dir, "litestream");
  writeFileSync(binary, `#!/bin/sh\necho "$@" >> ${log}\nexec sleep 600\n`);
  chmodSync(binary, 0o755);
  return { binary, log };
}

const lines = (log: string) => {
  try {
    return readFileSync(log, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await Bun.sleep(25);
  expect(check()).toBe(true);
}

test("a Litestream that dies is started again; stop() ends it for good", async () => {
  const { binary, log } = fakeLitestream();
  const starts: number[] = [];
  const p = new LitestreamProcess({ binary, configPath: "/etc/dur.yml", restartDelayMs: 10, onStart: (pid) => starts.push(pid) });
  p.start();
  // Killed only once it runs (not while setpriv is still exec'ing it).
  await until(() => starts.length === 1 && p.pid !== undefined && lines(log).length === 1);
  const first = p.pid!;
  process.kill(first, "SIGKILL");
  await until(() => starts.length === 2 && p.pid !== undefined && p.pid !== first);
  expect(p.restarts).toBe(1);
  await until(() => lines(log).length === 2);
  expect(lines(log)).toEqual(["replicate -config /etc/dur.yml", "replicate -config /etc/dur.yml"]);
  const last = p.pid!;
  await p.stop();
  expect(p.pid).toBeUndefined();
  expect(() => process.kill(last, 0)).toThrow();
  await Bun.sleep(50);
  expect(starts).toHaveLength(2);
});

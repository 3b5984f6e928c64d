import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "./sqlite.ts";

const WRITER = join(import.meta.dir, "testdata", "crash-writer.ts");

/** Runs the writer until ~1 s after it starts writing, then SIGKILLs it; returns what it acknowledged. */
async function runAndKill(path: string): Promise<Map<string, number>> {
  const child = Bun.spawn([process.execPath, WRITER, path, "32"], { stdout: "pipe", stderr: "pipe" });
  let text = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stdout) text += decoder.decode(chunk, { stream: true });
  })();
  // Wait until the writer has opened the store, so the kill lands mid-writing.
  for await (const chunk of child.stderr) if (decoder.decode(chunk).includes("ready")) break;
  await Bun.sleep(1000);
  process.kill(child.pid, "SIGKILL");
  await child.exited;
  await reading;
  const acked = new Map<string, number>();
  // The last line may be cut off by the kill: only complete lines count as acknowledged.
  for (const line of text.split("\n").slice(0, -1)) {
    const [key, rev] = line.split(" ");
    acked.set(key!, Number(rev));
  }
  return acked;
}

describe("crash safety", () => {
  test.each([1, 2, 3])("every acknowledged write survives kill -9 (run %d)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "k3rs-store-crash-"));
    try {
      const path = join(dir, "state.db");
      const acked = await runAndKill(path);
      expect(acked.size).toBeGreaterThan(0);
      const store = openSqliteStore({ path });
      try {
        const missing = [];
        for (const [key, revision] of acked) {
          const got = await store.get(key);
          if (!got || got.revision !== revision) missing.push(key);
        }
        expect({ missing: missing.length, first: missing.slice(0, 5) }).toEqual({ missing: 0, first: [] });
        expect(store.revision()).toBeGreaterThanOrEqual(Math.max(...acked.values()));
        expect(store.stats().keys).toBeGreaterThanOrEqual(acked.size);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isImageArchiveName, watchImageDir, type ImageDirWatcher } from "./image-dir-watcher.ts";

/** Polls until fn() holds; the limit only guards against a hang. */
async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (fn()) return;
    await Bun.sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Writes a file whose mtime is well in the past, so it counts as settled. */
function put(path: string, data: string, ageMs = 60_000) {
  writeFileSync(path, data);
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(path, t, t);
}

describe("watchImageDir", () => {
  let dir: string;
  let w: ImageDirWatcher | undefined;
  let calls: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "k3rs-imgdir-"));
    calls = [];
  });
  afterEach(() => {
    w?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (extra: Partial<Parameters<typeof watchImageDir>[0]> = {}) =>
    (w = watchImageDir({
      dir,
      onArchive: async (p) => void calls.push(p),
      rescanMs: 60_000,
      settleMs: 50,
      ...extra,
    }));

  test("archives present at start, once each; other names ignored", async () => {
    put(join(dir, "b.tar"), "b");
    put(join(dir, "a.tar.gz"), "a");
    put(join(dir, "c.oci"), "c");
    put(join(dir, "notes.txt"), "n");
    put(join(dir, ".partial.tar"), "p");
    await start().ready;
    expect(calls).toEqual(["a.tar.gz", "b.tar", "c.oci"].map((n) => join(dir, n)));
    await w!.scan();
    expect(calls).toHaveLength(3);
  });

  test("a new archive is picked up by the watch, a rewritten one again", async () => {
    await start().ready;
    const path = join(dir, "new.tar");
    put(path, "v1", 0);
    await until(() => calls.length === 1, "the new archive");
    put(path, "version 2");
    await w!.scan();
    expect(calls).toEqual([path, path]);
  });

  test("the periodic rescan finds what no event announced", async () => {
    await start({ rescanMs: 50, watch: false }).ready;
    put(join(dir, "late.tar"), "x");
    await until(() => calls.length === 1, "the rescan");
  });

  test("a file still being written waits until it settles", async () => {
    let t = Date.now();
    await start({ now: () => t, settleMs: 1_000 }).ready;
    const path = join(dir, "copying.tar");
    writeFileSync(path, "part");
    t = statSync(path).mtimeMs + 10;
    await w!.scan();
    expect(calls).toEqual([]);
    t += 2_000;
    await w!.scan();
    expect(calls).toEqual([path]);
  });

  test("failures: retried after the back-off, or at once when the file changes", async () => {
    let t = Date.now();
    let fail = true;
    const errors: unknown[] = [];
    const path = join(dir, "img.tar");
    put(path, "v1");
    await start({
      now: () => t,
      retryMs: 1_000,
      onArchive: async (p) => {
        calls.push(p);
        if (fail) throw new Error("containerd is down");
      },
      onError: (_p, e) => errors.push(e),
    }).ready;
    expect(calls).toHaveLength(1);
    await w!.scan();
    expect(calls).toHaveLength(1); // backing off
    t += 1_000;
    await w!.scan();
    expect(calls).toHaveLength(2);
    t += 1_000; // second back-off is 2 s
    await w!.scan();
    expect(calls).toHaveLength(2);
    put(path, "v2 fixed");
    fail = false;
    await w!.scan();
    expect(calls).toHaveLength(3);
    expect(errors).toHaveLength(2);
    await w!.scan();
    expect(calls).toHaveLength(3);
  });

  test("close() via the signal stops it", async () => {
    const ac = new AbortController();
    await start({ signal: ac.signal }).ready;
    ac.abort();
    put(join(dir, "after.tar"), "x");
    await w!.scan();
    expect(calls).toEqual([]);
  });
});

test.each([
  ["a.tar", true],
  ["a.tar.gz", true],
  ["a.tgz", true],
  ["a.oci", true],
  ["a.tar.tmp", false],
  [".a.tar", false],
  ["a.zip", false],
])("isImageArchiveName(%s) = %p", (name, want) => {
  expect(isImageArchiveName(name)).toBe(want);
});

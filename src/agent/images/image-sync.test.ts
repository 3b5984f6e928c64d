import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import type { ClusterImage } from "../../model/cluster-image.ts";
import { archiveFileName, planDownloads, pruneFetched, startImageSync, type ClusterImageSource } from "./image-sync.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-image-sync-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const img = (digest: string, sizeBytes: number): ClusterImage => ({ digest, names: [`docker.io/library/${digest.slice(-1)}:latest`], sizeBytes, created: "2025-01-01T00:00:00Z" });

test.each([
  ["nothing fetched: all, smallest first", [img("sha256:a", 30), img("sha256:b", 10), img("sha256:c", 20)], [], ["sha256:b", "sha256:c", "sha256:a"]],
  ["fetched ones are skipped", [img("sha256:a", 30), img("sha256:b", 10)], ["sha256:b"], ["sha256:a"]],
  ["all fetched: nothing", [img("sha256:a", 1)], ["sha256:a", "sha256:z"], []],
  ["equal sizes: by digest", [img("sha256:d", 5), img("sha256:c", 5)], [], ["sha256:c", "sha256:d"]],
])("planDownloads: %s", (_w, server, fetched, want) => {
  expect(planDownloads(server, new Set(fetched)).map((i) => i.digest)).toEqual(want);
});

test("pruneFetched forgets what the server no longer lists", () => {
  expect([...pruneFetched(new Set(["sha256:a", "sha256:gone"]), [img("sha256:a", 1), img("sha256:b", 1)])]).toEqual(["sha256:a"]);
});

/** A server with archives in memory; counts downloads; can be told to fail one. */
function fakeSource(archives: Map<string, Uint8Array>, opts: { corrupt?: string; fail?: string } = {}) {
  const downloads: string[] = [];
  const source: ClusterImageSource = {
    async list() {
      return [...archives].map(([digest, bytes]) => ({ digest, names: ["docker.io/library/x:1"], sizeBytes: bytes.length, created: "2025-01-01T00:00:00Z" }));
    },
    async download(digest) {
      downloads.push(digest);
      if (digest === opts.fail) throw new Error("server said no");
      const bytes = digest === opts.corrupt ? new TextEncoder().encode("tampered") : archives.get(digest)!;
      return new Blob([bytes]).stream();
    },
  };
  return { source, downloads };
}

const bytesOf = (s: string) => new TextEncoder().encode(s);
const digestOf = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function dirs() {
  const base = join(root, `n${n++}`);
  return { dir: join(base, "images"), stateFile: join(base, "image-sync.json") };
}

test("downloads every missing archive under its digest name, remembers them, and fetches nothing twice — across a restart too", async () => {
  const a = bytesOf("archive a"), b = bytesOf("archive bb");
  const archives = new Map([[digestOf(a), a], [digestOf(b), b]]);
  const { source, downloads } = fakeSource(archives);
  const d = dirs();
  const stop = new AbortController();
  const fetchedEvents: string[] = [];
  const s = startImageSync({ ...d, source, signal: stop.signal, intervalMs: 3_600_000, onFetched: (i) => fetchedEvents.push(i.digest) });
  await s.ready;
  expect(readdirSync(d.dir).sort()).toEqual([archiveFileName(digestOf(a)), archiveFileName(digestOf(b))].sort());
  expect(readFileSync(join(d.dir, archiveFileName(digestOf(b)))).toString()).toBe("archive bb");
  expect(fetchedEvents).toEqual([digestOf(a), digestOf(b)]);
  await s.sync();
  expect(downloads).toHaveLength(2);
  stop.abort();

  // The operator removes an imported archive; a restarted agent does not fetch it again.
  rmSync(join(d.dir, archiveFileName(digestOf(a))));
  const stop2 = new AbortController();
  const again = startImageSync({ ...d, source, signal: stop2.signal, intervalMs: 3_600_000 });
  await again.ready;
  expect(downloads).toHaveLength(2);
  expect(again.fetched().sort()).toEqual([digestOf(a), digestOf(b)].sort());

  // A new image on the server arrives with the next round.
  const c = bytesOf("archive c");
  archives.set(digestOf(c), c);
  await again.sync();
  expect(downloads.at(-1)).toBe(digestOf(c));
  expect(existsSync(join(d.dir, archiveFileName(digestOf(c))))).toBe(true);
  stop2.abort();
});

test("a corrupt or failing download leaves no file, does not stop the others, and is retried", async () => {
  const good = bytesOf("good"), bad = bytesOf("bad!"), broken = bytesOf("broken");
  const archives = new Map([[digestOf(good), good], [digestOf(bad), bad], [digestOf(broken), broken]]);
  const { source, downloads } = fakeSource(archives, { corrupt: digestOf(bad), fail: digestOf(broken) });
  const d = dirs();
  const stop = new AbortController();
  const errors: string[] = [];
  const s = startImageSync({ ...d, source, signal: stop.signal, intervalMs: 3_600_000, onError: (e) => errors.push(String(e)) });
  await s.ready;
  expect(readdirSync(d.dir)).toEqual([archiveFileName(digestOf(good))]);
  expect(errors.some((e) => /got 8 bytes with digest/.test(e))).toBe(true);
  expect(errors.some((e) => /server said no/.test(e))).toBe(true);
  await s.sync();
  expect(downloads.filter((x) => x === digestOf(bad))).toHaveLength(2);
  expect(downloads.filter((x) => x === digestOf(good))).toHaveLength(1);
  stop.abort();
});

test("a server that cannot be reached is an error, not a crash; the next round catches up", async () => {
  const a = bytesOf("late");
  let up = false;
  const { source: inner } = fakeSource(new Map([[digestOf(a), a]]));
  const source: ClusterImageSource = { list: async () => { if (!up) throw new Error("connection refused"); return inner.list(); }, download: inner.download };
  const d = dirs();
  const stop = new AbortController();
  const errors: unknown[] = [];
  const s = startImageSync({ ...d, source, signal: stop.signal, intervalMs: 3_600_000, onError: (e) => errors.push(e) });
  await s.ready;
  expect(errors).toHaveLength(1);
  up = true;
  await s.sync();
  expect(s.fetched()).toEqual([digestOf(a)]);
  stop.abort();
});

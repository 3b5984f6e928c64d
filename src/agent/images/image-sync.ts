/**
 * Brings the cluster's images (`k3rs ctl image import`, kept by the server) to this node:
 * right after start and every 10 s it lists the server's images and downloads each one it
 * has not fetched yet into `<data-dir>/agent/images/`, where the image dir watcher imports
 * it into containerd. So a node that joins later gets every image, and a node that was
 * away catches up when it is back.
 *
 * - A download is written to a dot-named temp file (which the watcher ignores), checked
 *   against its digest, then renamed to `k3rs-<sha256>.tar`: the watcher never sees half
 *   an archive.
 * - What was fetched is remembered in `stateFile`, so a restart downloads nothing again,
 *   and an archive the operator deleted after its import stays deleted. Digests the server
 *   no longer lists are forgotten: uploaded again, they are fetched again.
 * - One failing image does not hold up the others; it is tried again next round.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ClusterImage } from "../../model/cluster-image.ts";

export interface ClusterImageSource {
  list(signal?: AbortSignal): Promise<ClusterImage[]>;
  /** The archive's bytes, as stored on the server. */
  download(digest: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

export interface ImageSyncOptions {
  /** Where archives go: the directory the image dir watcher imports from. */
  dir: string;
  /** Remembers the digests fetched (JSON), outside `dir`. */
  stateFile: string;
  source: ClusterImageSource;
  signal: AbortSignal;
  /** Default 10 s. */
  intervalMs?: number;
  onFetched?: (image: ClusterImage, path: string) => void;
  onError?: (error: unknown, image?: ClusterImage) => void;
}

export interface ImageSync {
  /** Settles after the first round (whatever its outcome). */
  ready: Promise<void>;
  /** Runs a round now (or joins the one running). */
  sync(): Promise<void>;
  /** Digests fetched so far. */
  fetched(): string[];
}

/** The archive name an image is downloaded to. */
export function archiveFileName(digest: string): string {
  return `k3rs-${digest.replace(/^sha256:/, "")}.tar`;
}

/**
 * What to download: the server's images not fetched yet, smallest first (small images
 * become usable soon even while a big one is still coming).
 */
export function planDownloads(server: ClusterImage[], fetched: ReadonlySet<string>): ClusterImage[] {
  return server.filter((i) => !fetched.has(i.digest)).sort((a, b) => a.sizeBytes - b.sizeBytes || a.digest.localeCompare(b.digest));
}

/** The fetched set after a listing: only digests the server still has. */
export function pruneFetched(fetched: ReadonlySet<string>, server: ClusterImage[]): Set<string> {
  const listed = new Set(server.map((i) => i.digest));
  return new Set([...fetched].filter((d) => listed.has(d)));
}

export function startImageSync(o: ImageSyncOptions): ImageSync {
  let fetched = loadState(o.stateFile);
  let running: Promise<void> | undefined;

  const round = async () => {
    await mkdir(o.dir, { recursive: true });
    const server = await o.source.list(o.signal);
    const before = fetched.size;
    fetched = pruneFetched(fetched, server);
    let changed = fetched.size !== before;
    for (const image of planDownloads(server, fetched)) {
      if (o.signal.aborted) break;
      try {
        const path = await fetchOne(o, image);
        fetched.add(image.digest);
        changed = true;
        o.onFetched?.(image, path);
      } catch (e) {
        if (!o.signal.aborted) o.onError?.(e, image);
      }
    }
    if (changed) await saveState(o.stateFile, fetched);
  };

  const sync = (): Promise<void> => {
    if (o.signal.aborted) return Promise.resolve();
    running ??= round()
      .catch((e) => {
        if (!o.signal.aborted) o.onError?.(e);
      })
      .finally(() => (running = undefined));
    return running;
  };

  const ready = sync();
  const timer = setInterval(() => void sync(), o.intervalMs ?? 10_000);
  o.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  return { ready, sync, fetched: () => [...fetched] };
}

async function fetchOne(o: ImageSyncOptions, image: ClusterImage): Promise<string> {
  const name = archiveFileName(image.digest);
  const path = join(o.dir, name);
  // Fetched before, but the state was lost: the file itself says so.
  if (existsSync(path) && statSync(path).size === image.sizeBytes) return path;
  const tmp = join(o.dir, `.${name}.part`);
  try {
    const body = await o.source.download(image.digest, o.signal);
    const hasher = new Bun.CryptoHasher("sha256");
    const file = await open(tmp, "w", 0o600);
    let size = 0;
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        hasher.update(chunk);
        size += chunk.byteLength;
        await file.write(chunk);
      }
    } finally {
      await file.close();
    }
    const got = `sha256:${hasher.digest("hex")}`;
    if (got !== image.digest) throw new Error(`downloading image ${image.digest} (${image.names.join(", ")}): got ${size} bytes with digest ${got}`);
    await rename(tmp, path);
    return path;
  } finally {
    await rm(tmp, { force: true });
  }
}

function loadState(path: string): Set<string> {
  try {
    const s = JSON.parse(readFileSync(path, "utf8"));
    return new Set(Array.isArray(s?.fetched) ? s.fetched.filter((d: unknown) => typeof d === "string") : []);
  } catch {
    return new Set();
  }
}

async function saveState(path: string, fetched: Set<string>): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify({ fetched: [...fetched].sort() }));
  await rename(tmp, path);
}

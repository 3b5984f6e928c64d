/**
 * Watches `<data-dir>/agent/images/` (air-gapped image drop, as K3s's agent/images): every
 * archive found there at start, or added later, is handed to `onArchive` (the agent passes
 * an import into containerd) once per version of the file.
 *
 * - Events come from fs.watch; a periodic rescan catches what it misses (network and overlay
 *   filesystems, a directory replaced under us, events lost while a scan ran).
 * - A file is known by path + size + mtime: unchanged files are not imported again, a
 *   rewritten one is. Deleting a file forgets it (images stay in containerd).
 * - A file modified within the last `settleMs` is still being written: it waits for a later
 *   scan. Writers should still prefer writing a temp name (not matching) and renaming.
 * - Failures are retried when the file changes, and otherwise with exponential back-off, so a
 *   containerd that is not up yet costs a few retries and a broken archive no busy loop.
 */
import { watch, type FSWatcher } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** Names we import: OCI layouts and docker archives, plain or gzipped. */
const ARCHIVE_NAME = /\.(tar|tar\.gz|tgz|oci)$/;

export function isImageArchiveName(name: string): boolean {
  return ARCHIVE_NAME.test(name) && !name.startsWith(".");
}

export interface ImageDirWatchOptions {
  dir: string;
  /** Imports one archive; a rejection counts as a failure (retried later). */
  onArchive: (path: string) => Promise<unknown>;
  /** Told about each failure (the agent logs it and records an Event). */
  onError?: (path: string, error: unknown) => void;
  signal?: AbortSignal;
  /** Use fs.watch events (default true); false leaves the periodic rescan alone. */
  watch?: boolean;
  /** Periodic rescan; default 10 s. */
  rescanMs?: number;
  /** Quiet time after the last write before a file is imported; default 500 ms. */
  settleMs?: number;
  /** First retry delay after a failure, doubled each time up to 5 min; default 5 s. */
  retryMs?: number;
  now?: () => number;
}

export interface ImageDirWatcher {
  /** Settles after the first scan (every archive present at start handed over once). */
  ready: Promise<void>;
  /** Scans now; resolves when that scan (and any it queued) is done. */
  scan(): Promise<void>;
  close(): void;
}

interface Failure {
  fingerprint: string;
  attempts: number;
  retryAt: number;
}

const MAX_RETRY_MS = 5 * 60_000;

export function watchImageDir(o: ImageDirWatchOptions): ImageDirWatcher {
  const now = o.now ?? Date.now;
  const settleMs = o.settleMs ?? 500;
  const rescanMs = o.rescanMs ?? 10_000;
  const retryMs = o.retryMs ?? 5_000;
  const done = new Map<string, string>();
  const failed = new Map<string, Failure>();
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let watcher: FSWatcher | undefined;
  let soon: ReturnType<typeof setTimeout> | undefined;
  let periodic: ReturnType<typeof setInterval> | undefined;

  const scan = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await scanOnce();
      } while (again && !closed);
    })().finally(() => (running = undefined));
    return running;
  };

  /** Coalesces bursts of events (a copy fires many) into one scan. */
  const scanSoon = (delay: number) => {
    if (closed || soon) return;
    soon = setTimeout(() => {
      soon = undefined;
      void scan();
    }, delay);
  };

  async function scanOnce(): Promise<void> {
    const names = await readdir(o.dir).catch(() => [] as string[]);
    const seen = new Set<string>();
    let unsettled = false;
    for (const name of names.filter(isImageArchiveName).sort()) {
      if (closed) return;
      const path = join(o.dir, name);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      seen.add(path);
      const fingerprint = `${st.size}:${st.mtimeMs}`;
      if (done.get(path) === fingerprint) continue;
      const failure = failed.get(path);
      if (failure?.fingerprint === fingerprint && now() < failure.retryAt) continue;
      const age = now() - st.mtimeMs;
      if (age >= 0 && age < settleMs) {
        unsettled = true;
        continue;
      }
      try {
        await o.onArchive(path);
        done.set(path, fingerprint);
        failed.delete(path);
      } catch (e) {
        const attempts = failure?.fingerprint === fingerprint ? failure.attempts + 1 : 1;
        const delay = Math.min(retryMs * 2 ** (attempts - 1), MAX_RETRY_MS);
        failed.set(path, { fingerprint, attempts, retryAt: now() + delay });
        o.onError?.(path, e);
      }
    }
    for (const path of [...done.keys()]) if (!seen.has(path)) done.delete(path);
    for (const path of [...failed.keys()]) if (!seen.has(path)) failed.delete(path);
    if (unsettled) scanSoon(settleMs);
  }

  const close = () => {
    if (closed) return;
    closed = true;
    watcher?.close();
    clearTimeout(soon);
    clearInterval(periodic);
  };
  o.signal?.addEventListener("abort", close, { once: true });
  if (o.signal?.aborted) close();

  const ready = (async () => {
    await mkdir(o.dir, { recursive: true });
    if (closed) return;
    if (o.watch !== false) try {
      watcher = watch(o.dir, () => scanSoon(Math.min(settleMs, 100)));
      watcher.on("error", () => {
        // The periodic rescan carries on without events.
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      // Some filesystems cannot be watched; rescans alone then.
    }
    periodic = setInterval(() => void scan(), rescanMs);
    await scan();
  })();

  return { ready, scan, close };
}

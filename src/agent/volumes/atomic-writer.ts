/**
 * Writes a set of files into a volume directory the way the kubelet's AtomicWriter does, so
 * that a reader never sees half an update: the files go into a fresh `..<timestamp>`
 * directory, `..data` is swapped to point at it with one rename, and each visible name is a
 * symlink through `..data`. Old payload directories are removed after the swap.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface PayloadFile {
  /** Relative path inside the volume ("config.yaml", "sub/key"). */
  path: string;
  data: Uint8Array | string;
  mode: number;
}

const DATA = "..data";

/** Rejects paths that would leave the volume ("../x", "/abs", "..data"). */
function checkPath(p: string): void {
  if (!p || p.startsWith("/") || p.split("/").some((part) => part === ".." || part.startsWith(".."))) {
    throw new Error(`invalid path in volume payload: ${JSON.stringify(p)}`);
  }
}

export function writeAtomically(dir: string, files: PayloadFile[], now = Date.now()): void {
  for (const f of files) checkPath(f.path);
  mkdirSync(dir, { recursive: true });
  const stamp = `..${new Date(now).toISOString().replace(/[:.]/g, "_")}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const payload = join(dir, stamp);
  mkdirSync(payload, { mode: 0o755 });
  for (const f of files) {
    const target = join(payload, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.data);
    chmodSync(target, f.mode);
  }
  const previous = existsSync(join(dir, DATA)) ? readlinkSync(join(dir, DATA)) : undefined;
  const tmpLink = join(dir, `..data_tmp`);
  rmSync(tmpLink, { force: true });
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, join(dir, DATA));
  // Visible names: one symlink per top-level entry, through ..data.
  const top = new Set(files.map((f) => f.path.split("/")[0]!));
  for (const name of top) {
    const link = join(dir, name);
    const want = join(DATA, name);
    if (existsSync(link) || isSymlink(link)) {
      if (isSymlink(link) && readlinkSync(link) === want) continue;
      rmSync(link, { recursive: true, force: true });
    }
    symlinkSync(want, link);
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith("..")) {
      if (entry !== DATA && entry !== stamp && (entry === previous || entry.startsWith("..2"))) rmSync(join(dir, entry), { recursive: true, force: true });
      continue;
    }
    if (!top.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

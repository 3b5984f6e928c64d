/**
 * An image layer from a list of entries: paths normalized, missing parent directories added
 * (0755), entries sorted by path so parents come first and the input order does not change
 * the digest.
 */
import { errors, type StatusError } from "../../model/errors.ts";
import { packTar, type TarEntry } from "./tar.ts";
import type { LayerEntry } from "./types.ts";

const DEFAULT_MODE = { file: 0o644, dir: 0o755, symlink: 0o777 } as const;

/** The uncompressed layer tar for `entries`. Throws on a bad or duplicate path. */
export function layerTar(entries: LayerEntry[]): Promise<Uint8Array> {
  return packTar(layerEntries(entries));
}

/** The tar entries of a layer, normalized and sorted (exported for tests). */
export function layerEntries(entries: LayerEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    const path = normalize(e.path);
    if (byPath.has(path)) throw invalid(`duplicate layer path ${JSON.stringify(e.path)}`);
    byPath.set(path, toTar(path, e));
  }
  for (const path of [...byPath.keys()]) {
    for (let dir = parent(path); dir !== ""; dir = parent(dir)) {
      const existing = byPath.get(dir);
      if (existing && existing.type !== "directory") {
        throw invalid(`layer path ${JSON.stringify(dir)} is not a directory but has entries below it`);
      }
      if (!existing) byPath.set(dir, { name: dir + "/", type: "directory", mode: DEFAULT_MODE.dir });
    }
  }
  return [...byPath.entries()].sort(([a], [b]) => compare(a, b)).map(([, e]) => e);
}

function toTar(path: string, e: LayerEntry): TarEntry {
  const mode = e.mode ?? DEFAULT_MODE[e.type];
  switch (e.type) {
    case "file":
      return { name: path, type: "file", mode, data: e.data ?? new Uint8Array() };
    case "dir":
      return { name: path + "/", type: "directory", mode };
    case "symlink":
      if (!e.target) throw invalid(`symlink ${JSON.stringify(e.path)} has no target`);
      return { name: path, type: "symlink", mode, linkname: e.target };
  }
}

/** "/bin//sh/" → "bin/sh"; rejects "", "/", "." and "..". */
function normalize(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.includes("..")) throw invalid(`bad layer path ${JSON.stringify(path)}`);
  return parts.join("/");
}

function parent(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** Byte order, so the layout does not depend on the locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(message: string): StatusError {
  return errors.badRequest(message);
}

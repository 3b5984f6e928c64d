/**
 * Certificate/key pairs on disk as `<name>.crt` + `<name>.key`, owner-only. Writes go to a
 * temporary file renamed into place, so a crash never leaves half a key behind.
 */
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CertPair } from "./ca.ts";

export const FILE_MODE = 0o600;

export type PairOnDisk = { state: "absent" } | { state: "partial"; missing: string } | { state: "present"; pair: CertPair };

export function readPair(dir: string, name: string): PairOnDisk {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const hasCert = existsSync(cert);
  const hasKey = existsSync(key);
  if (!hasCert && !hasKey) return { state: "absent" };
  if (!hasCert || !hasKey) return { state: "partial", missing: hasCert ? key : cert };
  return { state: "present", pair: { certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") } };
}

/** Owner-only modes for a pair written by an older release or by hand (a .crt may have been 0644). */
export function tightenPair(dir: string, name: string): void {
  for (const ext of ["crt", "key"]) {
    const path = join(dir, `${name}.${ext}`);
    if (existsSync(path) && (statSync(path).mode & 0o777) !== FILE_MODE) chmodSync(path, FILE_MODE);
  }
}

export function writePair(dir: string, name: string, pair: CertPair): void {
  // The key first: a cert without its key reads as "partial" and is never trusted.
  writeAtomically(join(dir, `${name}.key`), pair.keyPem);
  writeAtomically(join(dir, `${name}.crt`), pair.certPem);
}

export function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: FILE_MODE });
  // The mode given to writeFileSync is masked by umask and ignored for an existing file.
  chmodSync(tmp, FILE_MODE);
  renameSync(tmp, path);
}

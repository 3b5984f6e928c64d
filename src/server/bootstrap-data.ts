/**
 * The server's PKI kept in the store, sealed with the token, as K3s keeps its bootstrap data
 * in the datastore: whatever carries the store (a Litestream replica, a snapshot) carries the
 * CA and the keys, so a fresh box started with the same token serves the same CA, and every
 * kubeconfig and joined agent keeps working. A wrong token is refused before anything is
 * written.
 *
 *   restoreBootstrap — at start, before the PKI is loaded: the sealed copy wins over the disk
 *                      (a file that differs is kept aside as `<file>.replaced-<unix seconds>`).
 *   saveBootstrap    — after the PKI is loaded or made: seals the files when they changed.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seal, unseal } from "../pki/seal.ts";

export interface BootstrapTable {
  readBootstrap(name: string): Uint8Array | undefined;
  writeBootstrap(name: string, value: Uint8Array): void;
}

const ENTRY = "pki";
/** The pairs ensureServerPki keeps in `<data-dir>/server/tls`. */
export const BOOTSTRAP_FILES = ["server-ca.crt", "server-ca.key", "serving.crt", "serving.key", "admin.crt", "admin.key"] as const;

type Files = Record<string, string>;

export class BootstrapTokenError extends Error {
  override name = "BootstrapTokenError";
}

/**
 * Writes the sealed PKI into tlsDir when the store holds one. Returns the file names written
 * (empty when the disk already matched or the store holds none). Throws BootstrapTokenError,
 * changing nothing, when the token is missing or wrong.
 */
export function restoreBootstrap(table: BootstrapTable, tlsDir: string, token: string | undefined, nowMs = Date.now()): string[] {
  const sealed = table.readBootstrap(ENTRY);
  if (!sealed) return [];
  if (!token) {
    throw new BootstrapTokenError("this store holds the cluster's PKI sealed with its token: start the server with --token <the token the cluster was created with>");
  }
  let files: Files;
  try {
    files = JSON.parse(new TextDecoder().decode(unseal(sealed, token))).files;
  } catch (cause) {
    throw new BootstrapTokenError("the --token given is not the token this cluster's bootstrap data was sealed with; nothing was changed. Start the server with the cluster's original token", { cause });
  }
  const written: string[] = [];
  for (const name of BOOTSTRAP_FILES) {
    const want = files[name];
    if (want === undefined) continue;
    const path = join(tlsDir, name);
    const have = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    if (have === want) continue;
    if (have !== undefined) renameSync(path, `${path}.replaced-${Math.floor(nowMs / 1000)}`);
    writeFileSync(`${path}.tmp`, want, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    written.push(name);
  }
  return written;
}

/** Seals the PKI files of tlsDir into the store unless the sealed copy already holds them. Returns whether it wrote. */
export function saveBootstrap(table: BootstrapTable, tlsDir: string, token: string): boolean {
  const files: Files = {};
  for (const name of BOOTSTRAP_FILES) {
    const path = join(tlsDir, name);
    if (existsSync(path)) files[name] = readFileSync(path, "utf8");
  }
  const sealed = table.readBootstrap(ENTRY);
  if (sealed) {
    try {
      const stored: Files = JSON.parse(new TextDecoder().decode(unseal(sealed, token))).files;
      if (BOOTSTRAP_FILES.every((n) => stored[n] === files[n])) return false;
    } catch {
      // sealed with another token (the server's token changed): seal anew with this one
    }
  }
  table.writeBootstrap(ENTRY, seal(new TextEncoder().encode(JSON.stringify({ files })), token));
  return true;
}

/**
 * The key set of a rotation, as pure steps: which key is made, which set is written when, and
 * which keys may go. The order is what keeps every value readable through a crash: a new key
 * is persisted before anything is encrypted with it, and a key is dropped only once the store
 * holds no value under it.
 */
import { randomBytes } from "node:crypto";
import type { EncryptionKey } from "../store/value-encryption.ts";

/**
 * A fresh AES-256 key named for when it was made, K3s' `aescbckey-<RFC 3339>` without the
 * colons a key name may not hold; `-2`, `-3`… when that name is taken (two rotations a second).
 *
 * @example newKey(new Date("2026-12-06T15:30:00Z"), ["aesgcmkey-20261206T153000Z"]).name // "aesgcmkey-20261206T153000Z-2"
 */
export function newKey(now: Date, taken: string[], secret: Buffer = randomBytes(32)): EncryptionKey {
  const base = `aesgcmkey-${now.toISOString().slice(0, 19).replaceAll("-", "").replaceAll(":", "")}Z`;
  let name = base;
  for (let n = 2; taken.includes(name); n++) name = `${base}-${n}`;
  return { name, secret };
}

/** The set with `key` active (first) and every key before it still able to decrypt. */
export function withActiveKey(keys: EncryptionKey[], key: EncryptionKey): EncryptionKey[] {
  return [key, ...keys.filter((k) => k.name !== key.name)];
}

/**
 * The keys to keep once a pass is done: the active one, and any other that a stored value
 * still uses (counts from the rows on disk; a plain-text value counts under `undefined`).
 */
export function retainedKeys(keys: EncryptionKey[], inUse: ReadonlyMap<string | undefined, number>): EncryptionKey[] {
  return keys.filter((k, i) => i === 0 || (inUse.get(k.name) ?? 0) > 0);
}

/**
 * Sealing bytes with the cluster token, as K3s keeps its bootstrap data in the datastore: a
 * key derived from the token (PBKDF2-SHA256, a random salt per seal) and AES-256-GCM, so
 * whoever holds the store (a replica bucket, a snapshot file) without the token reads nothing,
 * and a wrong token is told apart from a damaged blob by the GCM tag.
 *
 * Layout: "k3rs-sealed-v1" | salt (16) | iv (12) | ciphertext | tag (16).
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from "node:crypto";
import { PkiError } from "./errors.ts";

const MAGIC = new TextEncoder().encode("k3rs-sealed-v1");
/**
 * 25× K3s's 4,096 (PBKDF2-SHA1 there); ≈ 90 ms per seal or unseal on the dev VM, paid once per
 * server start, and by every guess. A random 128-bit token makes guessing moot; a chosen
 * short one is what the cost is for.
 */
const ITERATIONS = 100_000;

/**
 * The last key derived, by token and salt: a start unseals the stored PKI, then compares it
 * with the disk (unsealing again), and should pay the derivation once. Held only as long as
 * the token itself is, in this process's memory.
 */
let lastKey: { token: string; salt: string; key: Buffer } | undefined;

function keyFor(token: string, salt: Uint8Array): Buffer {
  const saltHex = Buffer.from(salt).toString("hex");
  if (lastKey?.token === token && lastKey.salt === saltHex) return lastKey.key;
  const key = pbkdf2Sync(token, salt, ITERATIONS, 32, "sha256");
  lastKey = { token, salt: saltHex, key };
  return key;
}

export function seal(plaintext: Uint8Array, token: string): Uint8Array {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(token, salt), iv);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([MAGIC, salt, iv, body, cipher.getAuthTag()]));
}

/** Throws PkiError WrongToken when the token is not the one it was sealed with. */
export function unseal(sealed: Uint8Array, token: string): Uint8Array {
  const b = Buffer.from(sealed);
  const head = MAGIC.length;
  if (b.length < head + 16 + 12 + 16 || !b.subarray(0, head).equals(Buffer.from(MAGIC))) {
    throw new PkiError("MalformedSealed", "the sealed bootstrap data is damaged or not k3rs's");
  }
  const salt = b.subarray(head, head + 16);
  const iv = b.subarray(head + 16, head + 28);
  const tag = b.subarray(b.length - 16);
  const decipher = createDecipheriv("aes-256-gcm", keyFor(token, salt), iv);
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([decipher.update(b.subarray(head + 28, b.length - 16)), decipher.final()]));
  } catch (cause) {
    throw new PkiError("WrongToken", "the token does not open this cluster's bootstrap data (it was sealed with another token)", { cause });
  }
}

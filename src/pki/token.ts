/**
 * Join tokens in the K3s form `K10<sha256 hex of the CA cert>::<user>:<secret>` (user `server`
 * for the server token): the hash lets an agent check the CA it downloads before trusting it
 * (no trust on first use); the secret proves it may join. A bare secret is accepted too, as
 * K3s accepts one, at the price of trusting the first CA seen.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { PkiError } from "./errors.ts";

export const TOKEN_PREFIX = "K10";

export interface ParsedToken {
  /** Lower-case hex sha256 of the CA certificate's DER; absent for a bare secret. */
  caHash?: string;
  username: string;
  secret: string;
}

const HASH = /^[0-9a-f]{64}$/;

/** @example formatToken(pki.caHash, generateSecret()) // "K10<64 hex>::server:<32 hex>" */
export function formatToken(caHash: string, secret: string, username = "server"): string {
  if (!HASH.test(caHash)) throw new PkiError("MalformedToken", "CA hash must be 64 lower-case hex digits (sha256)");
  if (secret === "" || /[\s]/.test(secret)) throw new PkiError("MalformedToken", "secret must be non-empty and without whitespace");
  return `${TOKEN_PREFIX}${caHash}::${username}:${secret}`;
}

export function parseToken(text: string): ParsedToken {
  const t = text.trim();
  if (t === "") throw new PkiError("MalformedToken", "token is empty");
  if (!t.startsWith(TOKEN_PREFIX)) {
    // A bare secret never contains "::"; such text is a full token with a damaged prefix.
    if (t.includes("::") || /\s/.test(t)) throw new PkiError("MalformedToken", "malformed token: expected K10<ca-hash>::server:<secret> or a bare secret");
    return { username: "server", secret: t };
  }
  const sep = t.indexOf("::");
  const caHash = sep < 0 ? "" : t.slice(TOKEN_PREFIX.length, sep).toLowerCase();
  if (!HASH.test(caHash)) throw new PkiError("MalformedToken", "malformed token: expected K10<sha256 hex of the CA, 64 digits>::server:<secret>");
  const creds = t.slice(sep + 2);
  const colon = creds.indexOf(":");
  if (colon <= 0 || colon === creds.length - 1) throw new PkiError("MalformedToken", "malformed token: credentials must be <user>:<secret>");
  return { caHash, username: creds.slice(0, colon), secret: creds.slice(colon + 1) };
}

/** 128 random bits as 32 hex digits. */
export function generateSecret(): string {
  return randomBytes(16).toString("hex");
}

/**
 * Constant-time comparison for secrets. Both sides are hashed first so neither the content nor
 * the length of the expected secret leaks through timing.
 */
export function tokensEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

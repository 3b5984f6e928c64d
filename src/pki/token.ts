/**
 * Join tokens in the K3s form `K10<sha256 of the CA cert>::server:<secret>`: the hash lets an
 * agent check the CA it downloads before trusting it; the secret proves it may join.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";

export function formatToken(caHash: string, secret: string): string {
  return `K10${caHash}::server:${secret}`;
}

/** Accepts the full form or a bare secret (as K3s does). */
export function parseToken(text: string): { caHash?: string; secret: string } {
  const t = text.trim();
  if (!t.startsWith("K10")) {
    if (t === "" || t.includes("::")) throw new Error("malformed token: expected K10<ca-hash>::server:<secret> or a bare secret");
    return { secret: t };
  }
  const m = t.match(/^K10([0-9a-f]{64})::([^:]+):(.+)$/);
  if (!m) throw new Error("malformed token: expected K10<sha256 hex of the CA>::server:<secret>");
  return { caHash: m[1], secret: m[3]! };
}

export function generateSecret(): string {
  return randomBytes(16).toString("hex");
}

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

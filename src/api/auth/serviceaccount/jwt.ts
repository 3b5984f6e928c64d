/**
 * Compact JWS with ES256, the only form our tokens take. Written on node:crypto rather than a
 * JOSE library: signing and checking one fixed algorithm is a few lines, and accepting only
 * `alg: ES256` with our own `kid` closes the algorithm-confusion holes a general verifier
 * has to guard against.
 */
import { createHash, sign, verify, type KeyObject } from "node:crypto";

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** The key id: base64url of the SHA-256 of the public key's DER (SPKI), as the apiserver derives it. */
export function keyId(publicKey: KeyObject): string {
  return b64url(createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest());
}

export function signJwt(claims: object, privateKey: KeyObject, kid: string): string {
  const head = b64url(JSON.stringify({ alg: "ES256", kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = sign("sha256", Buffer.from(`${head}.${body}`), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${head}.${body}.${b64url(sig)}`;
}

/** The claims of a token this key signed; undefined for anything else (malformed, other key, other alg). */
export function verifyJwt(token: string, publicKey: KeyObject, kid: string): Record<string, any> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [head, body, sig] = parts as [string, string, string];
  let header: any;
  let claims: any;
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (header?.alg !== "ES256" || header.kid !== kid || typeof claims !== "object" || claims === null) return undefined;
  const ok = verify("sha256", Buffer.from(`${head}.${body}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(sig, "base64url"));
  return ok ? claims : undefined;
}

/** The public key as a JWK for the JWKS document. */
export function publicJwk(publicKey: KeyObject, kid: string): Record<string, string> {
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, string>;
  return { use: "sig", kty: jwk.kty!, kid, crv: jwk.crv!, alg: "ES256", x: jwk.x!, y: jwk.y! };
}

/**
 * Key pairs for the cluster's certificates: ECDSA P-256 signed with SHA-256, which Go's
 * crypto/tls (kubectl, client-go) and node:tls in Bun both accept. Private keys leave this
 * module only as PKCS#8 PEM ("PRIVATE KEY"), the form node:tls and kubeconfigs take.
 */
import { createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import { PkiError } from "./errors.ts";

export const SIGNING_ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

export function toPem(label: string, der: ArrayBuffer | Uint8Array): string {
  const lines = Buffer.from(der as Uint8Array).toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return toPem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", key as webcrypto.CryptoKey));
}

/** A signing key from PKCS#8 PEM; "EC PRIVATE KEY" (SEC1) is converted, as a CA brought from elsewhere may use it. */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  let der: Buffer;
  try {
    der = createPrivateKey(pem).export({ type: "pkcs8", format: "der" });
  } catch (cause) {
    throw new PkiError("MalformedKey", "private key is not a PEM EC key", { cause });
  }
  try {
    return (await webcrypto.subtle.importKey("pkcs8", new Uint8Array(der), KEY_ALGORITHM, true, ["sign"])) as CryptoKey;
  } catch (cause) {
    throw new PkiError("MalformedKey", "private key is not an ECDSA P-256 key", { cause });
  }
}

/** A positive 127-bit serial: RFC 5280 wants unique, positive, at most 20 octets. */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  b[0]! |= 0x01; // no leading zero octet, so the DER encoding keeps all 16 bytes
  return b.toString("hex");
}

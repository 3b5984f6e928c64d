/**
 * A certificate's fingerprint and Node's own parse of it, with node:crypto alone: an agent
 * checks the server's CA against its join token with these, and must not load @peculiar/x509
 * (about 17 MiB of a running agent's memory) to do so.
 */
import { createHash, X509Certificate } from "node:crypto";
import { PkiError } from "./errors.ts";

export function nativeCert(certPem: string): X509Certificate {
  try {
    return new X509Certificate(certPem);
  } catch (cause) {
    throw new PkiError("MalformedCertificate", "not a PEM X.509 certificate", { cause });
  }
}

/**
 * sha256 (hex) of the certificate's DER. K3s hashes its self-signed CA's PEM file as stored;
 * hashing the DER instead makes the fingerprint independent of PEM line wrapping, so an agent
 * gets the same answer from whatever bytes `/cacerts` serves.
 */
export function certSha256Hex(certPem: string): string {
  return createHash("sha256").update(nativeCert(certPem).raw).digest("hex");
}

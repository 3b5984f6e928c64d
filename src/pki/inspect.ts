/**
 * Reading certificates back: the facts the PKI decides on (names, usages, validity, who
 * signed it, whether a key belongs to it) and the CA fingerprint that join tokens carry.
 */
import { createHash } from "node:crypto";
import { PkiError } from "./errors.ts";
import { publicKeyDerOf } from "./keys.ts";
import { x509 } from "./x509.ts";

export interface CertInfo {
  subject: string;
  commonName?: string;
  organizations: string[];
  dnsNames: string[];
  ips: string[];
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** Extended key usage OIDs, e.g. 1.3.6.1.5.5.7.3.1 (serverAuth). */
  extendedKeyUsages: string[];
}

export function parseCertPem(certPem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(certPem);
  } catch (cause) {
    throw new PkiError("MalformedCertificate", "not a PEM X.509 certificate", { cause });
  }
}

export function certInfo(certPem: string): CertInfo {
  const cert = parseCertPem(certPem);
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  return {
    subject: cert.subject,
    commonName: cert.subjectName.getField("CN")[0],
    organizations: cert.subjectName.getField("O"),
    dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value),
    ips: names.filter((n) => n.type === "ip").map((n) => n.value),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
    extendedKeyUsages: (eku?.usages ?? []).map(String),
  };
}

/**
 * sha256 (hex) of the certificate's DER. K3s hashes its self-signed CA's PEM file as stored;
 * hashing the DER instead makes the fingerprint independent of PEM line wrapping, so an agent
 * gets the same answer from whatever bytes `/cacerts` serves.
 */
export function certSha256Hex(certPem: string): string {
  return createHash("sha256").update(new Uint8Array(parseCertPem(certPem).rawData)).digest("hex");
}

/** Whether `keyPem` is the private half of the certificate's public key. */
export function keyMatchesCert(certPem: string, keyPem: string): boolean {
  const spki = Buffer.from(parseCertPem(certPem).publicKey.rawData);
  return spki.equals(publicKeyDerOf(keyPem));
}

/** Whether `certPem` carries a valid signature of the CA's key (validity dates not checked). */
export async function isSignedBy(certPem: string, caCertPem: string): Promise<boolean> {
  const ca = parseCertPem(caCertPem);
  return parseCertPem(certPem).verify({ publicKey: ca.publicKey, signatureOnly: true });
}

/**
 * Reading certificates back: the facts the PKI decides on (names, usages, validity, who
 * signed it, whether a key belongs to it) and the CA fingerprint that join tokens carry.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { PkiError } from "./errors.ts";
import { certSha256Hex, nativeCert } from "./fingerprint.ts";
import { canonicalIp } from "./ip.ts";
import { x509 } from "./x509.ts";

export { certSha256Hex, nativeCert };

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

/**
 * The same certificate through node:crypto's native parser. Every check a restart makes goes
 * through this one: @peculiar/x509 takes milliseconds per parse (ASN.1 schemas in JS), OpenSSL
 * tens of microseconds, which keeps a second start of the server at about a millisecond.
 */
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

/** Whether `keyPem` is the private half of the certificate's public key. */
export function keyMatchesCert(certPem: string, keyPem: string): boolean {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (cause) {
    throw new PkiError("MalformedKey", "private key is not valid PEM", { cause });
  }
  return nativeCert(certPem).checkPrivateKey(key);
}

/** Whether `certPem` carries a valid signature of the CA's key (validity dates not checked). */
export function isSignedBy(certPem: string, caCertPem: string): boolean {
  return nativeCert(certPem).verify(nativeCert(caCertPem).publicKey);
}

/**
 * DNS and IP SANs from OpenSSL's text form (`DNS:a, IP Address:FE80:0:0:0:0:0:0:1`), IPs made
 * canonical. Names holding a comma or quote come quoted as JSON strings, hence the grammar.
 * (node's checkIP is not used: in Bun it misses IPv6 SANs such as fe80::1.)
 */
export function certSans(certPem: string): { dnsNames: string[]; ips: string[] } {
  const text = nativeCert(certPem).subjectAltName ?? "";
  const dnsNames: string[] = [];
  const ips: string[] = [];
  for (const m of text.matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const value = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    if (m[1] === "DNS") dnsNames.push(value);
    else if (m[1] === "IP Address") ips.push(canonicalIp(value));
  }
  return { dnsNames, ips };
}

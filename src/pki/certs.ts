/**
 * Certificates for the cluster: a CA, serving certs and client certs, ECDSA P-256 with
 * SHA-256 (what Go's crypto/tls — kubectl — and node:tls both accept), made with
 * @peculiar/x509 on WebCrypto. PEM in, PEM out; keys are PKCS#8.
 */
import { createHash, randomBytes, webcrypto } from "node:crypto";
import { x509 } from "./x509.ts";

export interface CertPair {
  certPem: string;
  keyPem: string;
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

function serial(): string {
  const b = randomBytes(16);
  b[0]! &= 0x7f; // positive
  return b.toString("hex");
}

function toPem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function exportKey(key: CryptoKey): Promise<string> {
  return toPem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", key as any));
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  return (await webcrypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"])) as unknown as CryptoKey;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as unknown as CryptoKeyPair;
}

export async function createCa(commonName = `k3rs-server-ca@${Math.floor(Date.now() / 1000)}`): Promise<CertPair> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportKey(keys.privateKey) };
}

interface LeafOptions {
  subject: string;
  days: number;
  usages: string[];
  sans?: x509.JsonGeneralNames;
}

async function issue(ca: CertPair, o: LeafOptions): Promise<CertPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const keys = await newKeys();
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(o.usages),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (o.sans?.length) extensions.push(new x509.SubjectAlternativeNameExtension(o.sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: o.subject,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + o.days * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportKey(keys.privateKey) };
}

export function issueServingCert(ca: CertPair, o: { commonName: string; dnsNames: string[]; ips: string[]; days?: number }): Promise<CertPair> {
  return issue(ca, {
    subject: `CN=${o.commonName}`,
    days: o.days ?? 365,
    usages: [x509.ExtendedKeyUsage.serverAuth],
    sans: [...o.dnsNames.map((value) => ({ type: "dns" as const, value })), ...o.ips.map((value) => ({ type: "ip" as const, value }))],
  });
}

/** Organizations become the user's groups (O=system:masters is cluster admin in Kubernetes). */
export function issueClientCert(ca: CertPair, o: { commonName: string; organizations?: string[]; days?: number }): Promise<CertPair> {
  const subject = [...(o.organizations ?? []).map((org) => `O=${org}`), `CN=${o.commonName}`].join(", ");
  return issue(ca, { subject, days: o.days ?? 365, usages: [x509.ExtendedKeyUsage.clientAuth] });
}

export function certSha256Hex(certPem: string): string {
  return createHash("sha256").update(Buffer.from(new x509.X509Certificate(certPem).rawData)).digest("hex");
}

/** SANs and expiry of a PEM certificate, for deciding whether to reissue. */
export function certInfo(certPem: string): { dnsNames: string[]; ips: string[]; notAfter: Date; subject: string } {
  const c = new x509.X509Certificate(certPem);
  const san = c.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  return {
    dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value),
    ips: names.filter((n) => n.type === "ip").map((n) => n.value),
    notAfter: c.notAfter,
    subject: c.subject,
  };
}

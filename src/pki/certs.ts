/**
 * Leaf certificates signed by the cluster CA: serving certs (serverAuth, with the SANs Go
 * checks the dialled host against) and client certs (clientAuth; CN is the user name and each
 * O a group, which is how Kubernetes reads a client certificate).
 */
import { BACKDATE_MS, DAY_MS, loadCa, type CertPair } from "./ca.ts";
import { parseCertPem } from "./inspect.ts";
import { canonicalIp } from "./ip.ts";
import { exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem, randomSerial, SIGNING_ALGORITHM } from "./keys.ts";
import { x509 } from "./x509.ts";

export type { CertPair } from "./ca.ts";
export { certSha256Hex } from "./inspect.ts";

export interface ServingCertOptions {
  commonName: string;
  dnsNames: string[];
  /** IPv4 or IPv6 literals. */
  ips: string[];
  /** Default 365, as K3s. */
  days?: number;
  now?: Date;
}

export interface ClientCertOptions {
  commonName: string;
  /** Become the user's groups: O=system:masters is cluster-admin. */
  organizations?: string[];
  /** Default 365, as K3s. */
  days?: number;
  /** Overrides `days`: the short node certificates a test server issues (K3RS_CERT_LIFETIME_SECONDS). */
  lifetimeMs?: number;
  now?: Date;
}

export function issueServingCert(ca: CertPair, o: ServingCertOptions): Promise<CertPair> {
  const sans: x509.JsonGeneralNames = [
    ...o.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...o.ips.map((ip) => ({ type: "ip" as const, value: canonicalIp(ip) })),
  ];
  return issue(ca, { subject: [{ CN: [o.commonName] }], usage: x509.ExtendedKeyUsage.serverAuth, sans, lifetimeMs: (o.days ?? 365) * DAY_MS, now: o.now });
}

export function issueClientCert(ca: CertPair, o: ClientCertOptions): Promise<CertPair> {
  // One RDN per organization: node:tls then reports several O as an array, one as a string.
  const subject: x509.JsonName = [...(o.organizations ?? []).map((org) => ({ O: [org] })), { CN: [o.commonName] }];
  return issue(ca, { subject, usage: x509.ExtendedKeyUsage.clientAuth, lifetimeMs: o.lifetimeMs ?? (o.days ?? 365) * DAY_MS, now: o.now });
}

interface LeafSpec {
  subject: x509.JsonName;
  usage: x509.ExtendedKeyUsage;
  sans?: x509.JsonGeneralNames;
  lifetimeMs: number;
  now?: Date;
}

async function issue(ca: CertPair, spec: LeafSpec): Promise<CertPair> {
  loadCa(ca);
  const caCert = parseCertPem(ca.certPem);
  const caKey = await importPrivateKeyPem(ca.keyPem);
  const keys = await generateKeyPair();
  const now = (spec.now ?? new Date()).getTime();
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // ECDSA keys only sign; keyEncipherment belongs to RSA key exchange.
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([spec.usage]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    caKeyId ? new x509.AuthorityKeyIdentifierExtension(caKeyId) : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (spec.sans?.length) extensions.push(new x509.SubjectAlternativeNameExtension(spec.sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: spec.subject,
    // The CA's own encoded name: Go links a cert to its issuer by comparing these bytes.
    issuer: caCert.subjectName,
    // A tenth of a short lifetime at most, so the renewal rule's quarter stays ahead of issuance.
    notBefore: new Date(now - Math.min(BACKDATE_MS, spec.lifetimeMs / 10)),
    notAfter: new Date(now + spec.lifetimeMs),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

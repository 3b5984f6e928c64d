/**
 * The cluster CA: a self-signed ECDSA certificate that signs the serving cert and every
 * client cert. Named `k3rs-server-ca@<unix seconds>` as K3s names its `k3s-server-ca@…`, so
 * two CAs made on different starts are told apart in error messages.
 */
import { PkiError } from "./errors.ts";
import { keyMatchesCert, nativeCert } from "./inspect.ts";
import { exportPrivateKeyPem, generateKeyPair, randomSerial, SIGNING_ALGORITHM } from "./keys.ts";
import { x509 } from "./x509.ts";

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface CertPair {
  certPem: string;
  keyPem: string;
}

export interface CaOptions {
  /** Default `k3rs-server-ca@<unix seconds of now>`. */
  commonName?: string;
  /** Default 3650 (ten years, as K3s). */
  days?: number;
  now?: Date;
}

export const DAY_MS = 86_400_000;
/** Certificates start a minute early so a peer whose clock lags a little still accepts them. */
export const BACKDATE_MS = 60_000;

/**
 * @example
 * const ca = await createCa(); // or createCa("my-ca"), or createCa({ commonName, days, now })
 * const serving = await issueServingCert(ca, { commonName: "k3rs", dnsNames: ["localhost"], ips: ["127.0.0.1"] });
 */
export async function createCa(options: string | CaOptions = {}): Promise<CertPair> {
  const opts: CaOptions = typeof options === "string" ? { commonName: options } : options;
  const now = opts.now ?? new Date();
  const commonName = opts.commonName ?? `k3rs-server-ca@${Math.floor(now.getTime() / 1000)}`;
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + (opts.days ?? 3650) * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * Checks that a pair read from disk (or handed in by an operator) can act as the CA: the
 * certificate says CA:true and the key is its own. Returns the pair unchanged.
 */
export function loadCa(pair: CertPair): CertPair {
  const cert = nativeCert(pair.certPem);
  const subject = cert.subject.replaceAll("\n", ", ");
  if (!cert.ca) {
    throw new PkiError("NotCa", `certificate ${subject} is not a CA (basicConstraints CA:true missing)`);
  }
  if (!keyMatchesCert(pair.certPem, pair.keyPem)) {
    throw new PkiError("KeyMismatch", `private key does not belong to CA certificate ${subject}`);
  }
  return pair;
}

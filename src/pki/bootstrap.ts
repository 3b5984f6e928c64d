/**
 * The server's PKI on disk, made on first start and loaded afterwards:
 *
 *   <dir>/server-ca.crt|key   the cluster CA (never replaced: every kubeconfig and join token trusts it)
 *   <dir>/serving.crt|key     the API server's certificate
 *   <dir>/admin.crt|key       CN=system:admin, O=system:masters, for the admin kubeconfig
 *
 * Leaves are reissued from the same CA when they are missing, unreadable, signed by another CA,
 * inside their last 90 days (pki/renewal.ts), or (serving) lack a requested name — as K3s does when a node's IP
 * changes or at restart near expiry — so clients keep working without a new kubeconfig.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { createCa, loadCa, type CertPair } from "./ca.ts";
import { issueClientCert, issueServingCert } from "./certs.ts";
import { PkiError } from "./errors.ts";
import { certSans, certSha256Hex, isSignedBy, keyMatchesCert } from "./inspect.ts";
import { canonicalIp } from "./ip.ts";
import { readPair, tightenPair, writePair } from "./pair-files.ts";
import { renewalState } from "./renewal.ts";

export type { CertPair } from "./ca.ts";

export interface ServerPkiOptions {
  /** Extra DNS names for the serving cert (the machine's hostname, --tls-san names). */
  hostnames: string[];
  /** Extra IPs for the serving cert (node IPs, --tls-san addresses). */
  ips: string[];
  /** First address of the service CIDR, the `kubernetes` Service's ClusterIP. Default 10.43.0.1. */
  apiServiceIp?: string;
  now?: Date;
}

export interface ServerPki {
  ca: CertPair;
  serving: CertPair;
  admin: CertPair;
  /** sha256 (hex) of the CA certificate's DER, for join tokens. */
  caHash: string;
  /** Which pairs this call wrote (empty when everything was loaded as it was). */
  written: Array<(typeof PAIRS)[number]>;
}

/** Names every serving cert carries: what in-cluster clients and the local kubeconfig dial. */
export const BUILTIN_DNS_NAMES = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];
export const BUILTIN_IPS = ["127.0.0.1", "::1"];
export const DEFAULT_API_SERVICE_IP = "10.43.0.1";
const PAIRS = ["server-ca", "serving", "admin"] as const;

/**
 * @example
 * const pki = await ensureServerPki("/var/lib/k3rs/server/tls", { hostnames: [hostname()], ips: [nodeIp] });
 * tls.createServer({ cert: pki.serving.certPem, key: pki.serving.keyPem, ca: pki.ca.certPem, requestCert: true });
 */
export async function ensureServerPki(dir: string, opts: ServerPkiOptions): Promise<ServerPki> {
  const now = opts.now ?? new Date();
  const hostnames = opts.hostnames.map((h) => h.trim().toLowerCase()).filter((h) => h !== "");
  // An address given as a "hostname" (a --tls-san value) only matches as an IP SAN in Go.
  const dnsNames = unique([...BUILTIN_DNS_NAMES, ...hostnames.filter((h) => isIP(h.replace(/^\[(.*)\]$/, "$1")) === 0).map(asciiHostname)]);
  const extraIps = hostnames.filter((h) => isIP(h.replace(/^\[(.*)\]$/, "$1")) !== 0);
  const ips = unique([...BUILTIN_IPS, ...opts.ips, ...extraIps, opts.apiServiceIp ?? DEFAULT_API_SERVICE_IP].map(canonicalIp));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const written: ServerPki["written"] = [];
  for (const name of PAIRS) tightenPair(dir, name);

  let ca = readCa(dir);
  if (!ca) {
    ca = await createCa({ now });
    writePair(dir, "server-ca", ca);
    written.push("server-ca");
  }

  let serving = usableLeaf(dir, "serving", ca, now);
  if (serving) {
    const info = certSans(serving.certPem);
    if (dnsNames.some((n) => !info.dnsNames.includes(n)) || ips.some((ip) => !info.ips.includes(ip))) {
      // Keep what the old cert covered, so an interface that is down today does not drop its name.
      dnsNames.push(...info.dnsNames.filter((n) => !dnsNames.includes(n)));
      ips.push(...info.ips.filter((ip) => !ips.includes(ip)));
      serving = undefined;
    }
  }
  if (!serving) {
    serving = await issueServingCert(ca, { commonName: "k3rs", dnsNames, ips, now });
    writePair(dir, "serving", serving);
    written.push("serving");
  }

  let admin = usableLeaf(dir, "admin", ca, now);
  if (!admin) {
    admin = await issueClientCert(ca, { commonName: "system:admin", organizations: ["system:masters"], now });
    writePair(dir, "admin", admin);
    written.push("admin");
  }
  return { ca, serving, admin, caHash: certSha256Hex(ca.certPem), written };
}

/** The CA on disk, checked; undefined only when there is none at all. */
function readCa(dir: string): CertPair | undefined {
  const onDisk = readPair(dir, "server-ca");
  if (onDisk.state === "absent") return undefined;
  // Half a CA is not made whole with a new one: that would silently orphan every issued cert.
  if (onDisk.state === "partial") throw new PkiError("IncompleteCa", `cluster CA in ${dir} is incomplete: ${onDisk.missing} is missing`);
  try {
    return loadCa(onDisk.pair);
  } catch (cause) {
    throw new PkiError("IncompleteCa", `cluster CA in ${dir} cannot be used`, { cause });
  }
}

function usableLeaf(dir: string, name: string, ca: CertPair, now: Date): CertPair | undefined {
  const onDisk = readPair(dir, name);
  if (onDisk.state !== "present") return undefined;
  const { pair } = onDisk;
  try {
    if (renewalState(pair.certPem, now) !== "ok") return undefined;
    if (!keyMatchesCert(pair.certPem, pair.keyPem)) return undefined;
    if (!isSignedBy(pair.certPem, ca.certPem)) return undefined;
    return pair;
  } catch (err) {
    if (err instanceof PkiError) return undefined; // unreadable: issue a fresh one
    throw err;
  }
}

/**
 * A DNS SAN must be ASCII (an IA5String): Go refuses to parse a certificate holding anything
 * else, so kubectl would reject the whole serving cert. Unicode names become punycode.
 */
function asciiHostname(name: string): string {
  const ascii = domainToASCII(name);
  if (ascii === "") throw new PkiError("InvalidHostname", `not a valid hostname for a certificate: ${JSON.stringify(name)}`);
  return ascii;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

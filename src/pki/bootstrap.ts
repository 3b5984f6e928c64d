/**
 * The server's PKI on disk: made on first start, loaded afterwards. The serving cert is
 * reissued (same CA) when a requested name is missing or it nears expiry, as K3s does when
 * a node's IP changes — so clients keep trusting the same CA.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { certInfo, certSha256Hex, createCa, issueClientCert, issueServingCert, type CertPair } from "./certs.ts";

export type { CertPair } from "./certs.ts";

export interface ServerPki {
  ca: CertPair;
  serving: CertPair;
  admin: CertPair;
  /** sha256 (hex) of the CA certificate's DER, for join tokens. */
  caHash: string;
}

const SERVICE_NAMES = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];
const RENEW_BEFORE_MS = 90 * 86_400_000;

function load(dir: string, name: string): CertPair | undefined {
  const c = join(dir, `${name}.crt`);
  const k = join(dir, `${name}.key`);
  if (!existsSync(c) || !existsSync(k)) return undefined;
  return { certPem: readFileSync(c, "utf8"), keyPem: readFileSync(k, "utf8") };
}

function save(dir: string, name: string, pair: CertPair): void {
  writeFileSync(join(dir, `${name}.crt`), pair.certPem, { mode: 0o644 });
  writeFileSync(join(dir, `${name}.key`), pair.keyPem, { mode: 0o600 });
  chmodSync(join(dir, `${name}.key`), 0o600);
}

export async function ensureServerPki(dir: string, opts: { hostnames: string[]; ips: string[] }): Promise<ServerPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  let ca = load(dir, "server-ca");
  let fresh = false;
  if (!ca) {
    ca = await createCa();
    save(dir, "server-ca", ca);
    fresh = true;
  }
  const dnsNames = [...new Set([...SERVICE_NAMES, ...opts.hostnames])];
  const ips = [...new Set(["127.0.0.1", ...opts.ips])];
  let serving = fresh ? undefined : load(dir, "serving");
  if (serving) {
    const info = certInfo(serving.certPem);
    const missing = dnsNames.some((n) => !info.dnsNames.includes(n)) || ips.some((ip) => !info.ips.includes(ip));
    if (missing || info.notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) {
      // Keep what the old cert covered, so a temporarily absent interface does not drop a name.
      dnsNames.push(...info.dnsNames.filter((n) => !dnsNames.includes(n)));
      ips.push(...info.ips.filter((n) => !ips.includes(n)));
      serving = undefined;
    }
  }
  if (!serving) {
    serving = await issueServingCert(ca, { commonName: "k3rs", dnsNames, ips });
    save(dir, "serving", serving);
  }
  let admin = fresh ? undefined : load(dir, "admin");
  if (admin && certInfo(admin.certPem).notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) admin = undefined;
  if (!admin) {
    admin = await issueClientCert(ca, { commonName: "system:admin", organizations: ["system:masters"] });
    save(dir, "admin", admin);
  }
  return { ca, serving, admin, caHash: certSha256Hex(ca.certPem) };
}

/**
 * `k3rs certificate check|rotate` (K3s' `k3s certificate`): the certificates a data dir holds,
 * each with its subject, expiry and a warning inside the last 90 days (when the next start
 * renews it) — and, for rotate, the server's leaves removed so the next start issues new ones
 * from the same CA (kubeconfigs are rewritten at start; the CA and the join token stay).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DAY_MS } from "./ca.ts";
import { certInfo, isSignedBy } from "./inspect.ts";

const RENEW_WITHIN_DAYS = 90;

export interface CertificateStatus {
  file: string;
  subject: string;
  notAfter: Date;
  daysLeft: number;
  state: "ok" | "renew-soon" | "expired" | "other-ca" | "unreadable";
}

/** Every `*.crt` under `<data-dir>/server/tls` and `<data-dir>/agent/cred`. */
export function checkCertificates(dataDir: string, now = new Date()): CertificateStatus[] {
  const dirs = [join(dataDir, "server", "tls"), join(dataDir, "agent", "cred")];
  const caPath = [join(dataDir, "server", "tls", "server-ca.crt"), join(dataDir, "agent", "cred", "server-ca.crt")].find(existsSync);
  const ca = caPath ? readFileSync(caPath, "utf8") : undefined;
  const out: CertificateStatus[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".crt")).sort()) {
      const file = join(dir, f);
      const pem = readFileSync(file, "utf8");
      try {
        const info = certInfo(pem);
        const daysLeft = Math.floor((info.notAfter.getTime() - now.getTime()) / DAY_MS);
        let state: CertificateStatus["state"] = daysLeft < 0 ? "expired" : daysLeft < RENEW_WITHIN_DAYS ? "renew-soon" : "ok";
        if (!info.isCa && ca && !isSignedBy(pem, ca)) state = "other-ca";
        out.push({ file, subject: info.subject, notAfter: info.notAfter, daysLeft, state });
      } catch {
        out.push({ file, subject: "", notAfter: new Date(0), daysLeft: 0, state: "unreadable" });
      }
    }
  }
  return out;
}

export function formatCertificateCheck(list: CertificateStatus[]): string {
  if (list.length === 0) return "no certificates found\n";
  const warn: Record<CertificateStatus["state"], string> = {
    ok: "OK",
    // The server's leaves are renewed when it starts, a running agent's as soon as it checks (hourly).
    "renew-soon": `WARNING: expires within ${RENEW_WITHIN_DAYS} days (renewed at the next start, or by the running agent)`,
    expired: "EXPIRED",
    "other-ca": "WARNING: not signed by this cluster's CA",
    unreadable: "ERROR: unreadable",
  };
  return list.map((c) => `${c.file}\t${c.subject}\t${c.notAfter.toISOString()}\t${c.daysLeft}d\t${warn[c.state]}`).join("\n") + "\n";
}

/** Removes the server's leaf certificates (serving, admin) so the next start issues new ones; returns what it removed. */
export function rotateServerLeaves(dataDir: string): string[] {
  const dir = join(dataDir, "server", "tls");
  const removed: string[] = [];
  for (const name of ["serving", "admin"]) {
    for (const ext of ["crt", "key"]) {
      const p = join(dir, `${name}.${ext}`);
      if (existsSync(p)) {
        rmSync(p);
        removed.push(p);
      }
    }
  }
  return removed;
}

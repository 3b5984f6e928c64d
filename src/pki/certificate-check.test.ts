import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureServerPki } from "./bootstrap.ts";
import { DAY_MS } from "./ca.ts";
import { checkCertificates, formatCertificateCheck, rotateServerLeaves } from "./certificate-check.ts";

test("check lists each certificate with its expiry and warns inside the last 90 days; rotate removes the leaves the next start reissues", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "k3rs-certcheck-"));
  try {
    const tls = join(dataDir, "server", "tls");
    const first = await ensureServerPki(tls, { hostnames: ["h"], ips: [] });
    const now = checkCertificates(dataDir);
    expect(now.map((c) => [c.file.split("/").pop(), c.state])).toEqual([["admin.crt", "ok"], ["server-ca.crt", "ok"], ["serving.crt", "ok"]]);
    expect(now.find((c) => c.file.endsWith("admin.crt"))!.daysLeft).toBe(364);
    const later = checkCertificates(dataDir, new Date(Date.now() + 300 * DAY_MS));
    expect(later.find((c) => c.file.endsWith("serving.crt"))!.state).toBe("renew-soon");
    expect(formatCertificateCheck(later)).toContain("WARNING: expires within 90 days");
    expect(checkCertificates(dataDir, new Date(Date.now() + 400 * DAY_MS)).find((c) => c.file.endsWith("admin.crt"))!.state).toBe("expired");
    expect(rotateServerLeaves(dataDir).map((p) => p.split("/").pop()).sort()).toEqual(["admin.crt", "admin.key", "serving.crt", "serving.key"]);
    expect(existsSync(join(tls, "server-ca.crt"))).toBe(true);
    const second = await ensureServerPki(tls, { hostnames: ["h"], ips: [] });
    expect(second.written.sort()).toEqual(["admin", "serving"]);
    expect(second.ca.certPem).toBe(first.ca.certPem);
    expect(second.admin.certPem).not.toBe(first.admin.certPem);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

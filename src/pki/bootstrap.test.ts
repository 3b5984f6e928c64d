import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILTIN_DNS_NAMES, ensureServerPki } from "./bootstrap.ts";
import { createCa, DAY_MS } from "./ca.ts";
import { issueServingCert } from "./certs.ts";
import { PkiError } from "./errors.ts";
import { certInfo, isSignedBy } from "./inspect.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-pki-bootstrap-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `tls-${++n}`, "server", "tls");
const opts = { hostnames: ["node1"], ips: ["192.0.2.10"] };
const FILES = ["server-ca.crt", "server-ca.key", "serving.crt", "serving.key", "admin.crt", "admin.key"];

test("first start writes the CA, serving and admin pairs, owner-only", async () => {
  const dir = freshDir();
  const pki = await ensureServerPki(dir, opts);
  expect(pki.written).toEqual(["server-ca", "serving", "admin"]);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  for (const f of FILES) expect([f, statSync(join(dir, f)).mode & 0o777]).toEqual([f, 0o600]);
  expect(readFileSync(join(dir, "server-ca.crt"), "utf8")).toBe(pki.ca.certPem);
  expect(readFileSync(join(dir, "admin.key"), "utf8")).toBe(pki.admin.keyPem);
  expect(pki.caHash).toBe(new X509Certificate(pki.ca.certPem).fingerprint256.replaceAll(":", "").toLowerCase());
});

test("files left readable by others are made owner-only on load", async () => {
  const dir = freshDir();
  await ensureServerPki(dir, opts);
  chmodSync(join(dir, "server-ca.crt"), 0o644);
  chmodSync(join(dir, "admin.key"), 0o640);
  expect((await ensureServerPki(dir, opts)).written).toEqual([]);
  for (const f of FILES) expect([f, statSync(join(dir, f)).mode & 0o777]).toEqual([f, 0o600]);
});

test("the serving cert names the node, the kubernetes Service and loopback", async () => {
  const pki = await ensureServerPki(freshDir(), opts);
  const info = certInfo(pki.serving.certPem);
  expect(info.dnsNames.toSorted()).toEqual([...BUILTIN_DNS_NAMES, "node1"].toSorted());
  expect(info.ips.toSorted()).toEqual(["127.0.0.1", "::1", "192.0.2.10", "10.43.0.1"].toSorted());
  expect(info.extendedKeyUsages).toEqual(["1.3.6.1.5.5.7.3.1"]);
  expect(isSignedBy(pki.serving.certPem, pki.ca.certPem)).toBe(true);
});

test("the admin cert is system:admin in system:masters", async () => {
  const pki = await ensureServerPki(freshDir(), opts);
  expect(certInfo(pki.admin.certPem)).toMatchObject({ commonName: "system:admin", organizations: ["system:masters"], extendedKeyUsages: ["1.3.6.1.5.5.7.3.2"] });
  expect(isSignedBy(pki.admin.certPem, pki.ca.certPem)).toBe(true);
});

test("an address among the hostnames becomes an IP SAN", async () => {
  const info = certInfo((await ensureServerPki(freshDir(), { hostnames: ["198.51.100.9", "[2001:db8::9]"], ips: [] })).serving.certPem);
  expect(info.ips).toEqual(expect.arrayContaining(["198.51.100.9", "2001:db8::9"]));
  expect(info.dnsNames).toEqual(BUILTIN_DNS_NAMES);
});

test("the service IP follows the service CIDR", async () => {
  const pki = await ensureServerPki(freshDir(), { ...opts, apiServiceIp: "10.96.0.1" });
  expect(certInfo(pki.serving.certPem).ips).toContain("10.96.0.1");
  expect(certInfo(pki.serving.certPem).ips).not.toContain("10.43.0.1");
});

test("a second start loads everything as it was", async () => {
  const dir = freshDir();
  const a = await ensureServerPki(dir, opts);
  // The same addresses spelled differently, in another order, are not a change.
  const b = await ensureServerPki(dir, { hostnames: ["NODE1", "node1"], ips: ["0:0:0:0:0:0:0:1", "192.0.2.10"] });
  expect(b.written).toEqual([]);
  expect(b).toEqual({ ...a, written: [] });
});

test.each([
  ["a new hostname", { hostnames: ["node1", "api.example.com"], ips: ["192.0.2.10"] }, "api.example.com"],
  ["a new IP", { hostnames: ["node1"], ips: ["192.0.2.10", "198.51.100.7"] }, "198.51.100.7"],
])("%s reissues only the serving cert, keeping the old names", async (_name, next, added) => {
  const dir = freshDir();
  const a = await ensureServerPki(dir, opts);
  const b = await ensureServerPki(dir, next);
  expect(b.written).toEqual(["serving"]);
  expect(b.ca).toEqual(a.ca);
  expect(b.admin).toEqual(a.admin);
  expect(b.caHash).toBe(a.caHash);
  const info = certInfo(b.serving.certPem);
  expect([...info.dnsNames, ...info.ips]).toContain(added);
  expect(info.ips).toContain("192.0.2.10");
  // A later start without the new name keeps the cert that has it.
  expect((await ensureServerPki(dir, opts)).written).toEqual([]);
});

test("leaves near expiry are renewed from the same CA", async () => {
  const dir = freshDir();
  const a = await ensureServerPki(dir, opts);
  const later = new Date(Date.now() + 300 * DAY_MS);
  const b = await ensureServerPki(dir, { ...opts, now: later });
  expect(b.written).toEqual(["serving", "admin"]);
  expect(b.ca).toEqual(a.ca);
  expect(certInfo(b.admin.certPem).notAfter.getTime()).toBeGreaterThan(later.getTime() + 300 * DAY_MS);
});

test.each([
  ["signed by another CA", async (dir: string) => {
    const other = await issueServingCert(await createCa(), { commonName: "k3rs", dnsNames: [...BUILTIN_DNS_NAMES, "node1"], ips: ["127.0.0.1", "::1", "192.0.2.10", "10.43.0.1"] });
    writeFileSync(join(dir, "serving.crt"), other.certPem);
    writeFileSync(join(dir, "serving.key"), other.keyPem);
  }],
  ["whose key was lost", async (dir: string) => unlinkSync(join(dir, "serving.key"))],
  ["whose key belongs to another cert", async (dir: string) => writeFileSync(join(dir, "serving.key"), readFileSync(join(dir, "admin.key")))],
  ["that is garbage", async (dir: string) => writeFileSync(join(dir, "serving.crt"), "garbage")],
])("a serving cert %s is reissued", async (_name, damage) => {
  const dir = freshDir();
  const a = await ensureServerPki(dir, opts);
  await damage(dir);
  const b = await ensureServerPki(dir, opts);
  expect(b.written).toEqual(["serving"]);
  expect(b.ca).toEqual(a.ca);
  expect(isSignedBy(b.serving.certPem, a.ca.certPem)).toBe(true);
  expect(readFileSync(join(dir, "serving.crt"), "utf8")).toBe(b.serving.certPem);
});

test.each([
  ["its key is missing", (dir: string) => unlinkSync(join(dir, "server-ca.key"))],
  ["its cert is missing", (dir: string) => unlinkSync(join(dir, "server-ca.crt"))],
  ["its key is another", (dir: string) => writeFileSync(join(dir, "server-ca.key"), readFileSync(join(dir, "admin.key")))],
])("a CA whose %s stops the start and is left alone", async (_name, damage) => {
  const dir = freshDir();
  await ensureServerPki(dir, opts);
  damage(dir);
  const before = FILES.map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : null));
  const err = await ensureServerPki(dir, opts).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PkiError);
  expect((err as PkiError).reason).toBe("IncompleteCa");
  expect(FILES.map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : null))).toEqual(before);
});

test("a Unicode hostname is written as punycode, which Go can parse", async () => {
  const info = certInfo((await ensureServerPki(freshDir(), { hostnames: ["bücher.example"], ips: [] })).serving.certPem);
  expect(info.dnsNames).toContain("xn--bcher-kva.example");
});

test("an invalid hostname is refused before anything is written", async () => {
  const dir = freshDir();
  const err = await ensureServerPki(dir, { hostnames: ["bad name"], ips: [] }).catch((e: unknown) => e);
  expect((err as PkiError).reason).toBe("InvalidHostname");
  expect(existsSync(join(dir, "server-ca.crt"))).toBe(false);
});

test("an invalid IP is refused before anything is written", async () => {
  const dir = freshDir();
  const err = await ensureServerPki(dir, { hostnames: [], ips: ["not-an-ip"] }).catch((e: unknown) => e);
  expect((err as PkiError).reason).toBe("InvalidIp");
  expect(existsSync(join(dir, "server-ca.crt"))).toBe(false);
});

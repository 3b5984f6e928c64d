import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa, DAY_MS } from "./ca.ts";
import { issueClientCert, issueServingCert } from "./certs.ts";
import { certInfo, isSignedBy, keyMatchesCert } from "./inspect.ts";
import { x509 } from "./x509.ts";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const now = new Date("2030-06-01T00:00:00Z");
const ca = await createCa({ now });
const caKeyId = new x509.X509Certificate(ca.certPem).getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
const serving = await issueServingCert(ca, {
  commonName: "k3rs",
  dnsNames: ["localhost", "kubernetes.default.svc"],
  ips: ["127.0.0.1", "::1", "10.43.0.1"],
  now,
});
const client = await issueClientCert(ca, { commonName: "system:admin", organizations: ["system:masters", "team-a"], now });

describe.each([
  ["serving", serving, SERVER_AUTH],
  ["client", client, CLIENT_AUTH],
])("%s certificate", (_kind, pair, usage) => {
  const cert = new x509.X509Certificate(pair.certPem);

  test("is signed by the CA, names it, and owns its key", async () => {
    expect(isSignedBy(pair.certPem, ca.certPem)).toBe(true);
    expect(cert.issuer).toBe(new x509.X509Certificate(ca.certPem).subject);
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(caKeyId);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(keyMatchesCert(pair.certPem, pair.keyPem)).toBe(true);
    expect(pair.keyPem).toStartWith("-----BEGIN PRIVATE KEY-----\n");
  });

  test("is a leaf for one purpose, valid one year by default", () => {
    const info = certInfo(pair.certPem);
    expect(info.isCa).toBe(false);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.critical).toBe(true);
    expect(info.extendedKeyUsages).toEqual([usage]);
    expect(cert.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(info.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(info.notAfter.getTime()).toBe(now.getTime() + 365 * DAY_MS);
  });
});

test("serving certificate names: DNS and IP SANs, CN", () => {
  const info = certInfo(serving.certPem);
  expect(info.commonName).toBe("k3rs");
  expect(info.dnsNames).toEqual(["localhost", "kubernetes.default.svc"]);
  expect(info.ips).toEqual(["127.0.0.1", "::1", "10.43.0.1"]);
});

test("client certificate: CN is the user, each O a group, no SANs", () => {
  const info = certInfo(client.certPem);
  expect(info.commonName).toBe("system:admin");
  expect(info.organizations).toEqual(["system:masters", "team-a"]);
  expect(info.dnsNames).toEqual([]);
  expect(info.ips).toEqual([]);
});

test.each([
  ["::ffff:10.0.0.2", "10.0.0.2"],
  ["0:0:0:0:0:0:0:1", "::1"],
  ["2001:DB8::1", "2001:db8::1"],
])("IP SAN %s is stored as %s", async (given, stored) => {
  const c = await issueServingCert(ca, { commonName: "x", dnsNames: [], ips: [given], now });
  expect(certInfo(c.certPem).ips).toEqual([stored]);
});

test("a lifetime in days", async () => {
  const c = await issueClientCert(ca, { commonName: "short", days: 2, now });
  expect(certInfo(c.certPem).notAfter.getTime()).toBe(now.getTime() + 2 * DAY_MS);
});

test("another CA's signature does not verify", async () => {
  expect(isSignedBy(client.certPem, (await createCa({ now })).certPem)).toBe(false);
});

// OpenSSL is a second, independent X.509 implementation: it checks chain, purpose and names.
describe.skipIf(!Bun.which("openssl"))("openssl agrees", () => {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-pki-openssl-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const openssl = (...args: string[]) => {
    const r = Bun.spawnSync(["openssl", ...args], { stderr: "pipe" });
    return { ok: r.exitCode === 0, out: r.stdout.toString() + r.stderr.toString() };
  };
  const verify = (caPem: string, certPem: string, ...extra: string[]) =>
    openssl("verify", "-attime", String(now.getTime() / 1000 + 3600), "-CAfile", file("ca.pem", caPem), ...extra, file("leaf.pem", certPem));

  test.each([
    ["serving cert as a TLS server for localhost", () => verify(ca.certPem, serving.certPem, "-purpose", "sslserver", "-verify_hostname", "localhost"), true],
    ["serving cert for 10.43.0.1", () => verify(ca.certPem, serving.certPem, "-purpose", "sslserver", "-verify_ip", "10.43.0.1"), true],
    ["serving cert for a name it lacks", () => verify(ca.certPem, serving.certPem, "-purpose", "sslserver", "-verify_hostname", "example.com"), false],
    ["client cert as a TLS client", () => verify(ca.certPem, client.certPem, "-purpose", "sslclient"), true],
    ["client cert as a TLS server", () => verify(ca.certPem, client.certPem, "-purpose", "sslserver"), false],
    ["serving cert as a TLS client", () => verify(ca.certPem, serving.certPem, "-purpose", "sslclient"), false],
  ])("%s", (_name, run, ok) => {
    const r = run();
    expect({ ok: r.ok, out: r.out }).toMatchObject({ ok });
  });

  test("a CA made by openssl (SEC1 key, its own name encoding) issues certs that chain", async () => {
    const key = join(dir, "o-ca.key");
    const crt = join(dir, "o-ca.crt");
    expect(openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key).ok).toBe(true);
    const made = openssl("req", "-x509", "-new", "-key", key, "-out", crt, "-days", "30", "-subj", "/C=DE/O=Example/CN=Example Root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
    expect(made).toMatchObject({ ok: true });
    const foreign = { certPem: await Bun.file(crt).text(), keyPem: await Bun.file(key).text() };
    expect(foreign.keyPem).toContain("BEGIN EC PRIVATE KEY");
    const leaf = await issueClientCert(foreign, { commonName: "u" });
    const leafFile = file("leaf2.pem", leaf.certPem);
    expect(openssl("verify", "-CAfile", crt, "-purpose", "sslclient", leafFile)).toMatchObject({ ok: true });
    // Go matches issuer to subject byte for byte, so string types must be copied, not re-chosen.
    const typed = (which: string, path: string) => openssl("x509", "-noout", which, "-nameopt", "RFC2253,show_type", "-in", path).out.replace(/^\w+=/, "");
    expect(typed("-issuer", leafFile)).toBe(typed("-subject", crt));
    expect(typed("-subject", crt)).toContain("PRINTABLESTRING");
  });
});

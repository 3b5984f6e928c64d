import { describe, expect, test } from "bun:test";
import { createCa, DAY_MS, loadCa } from "./ca.ts";
import { issueClientCert } from "./certs.ts";
import { PkiError } from "./errors.ts";
import { keyMatchesCert } from "./inspect.ts";
import { x509 } from "./x509.ts";

const now = new Date("2030-01-02T03:04:05Z");
const ca = await createCa({ now });
const cert = new x509.X509Certificate(ca.certPem);
const otherCa = await createCa({ now });
const leaf = await issueClientCert(ca, { commonName: "u" });

describe("createCa", () => {
  test("is named after its creation time and valid ten years", () => {
    expect(cert.subject).toBe(`CN=k3rs-server-ca@${now.getTime() / 1000}`);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(cert.notAfter.getTime()).toBe(Math.floor((now.getTime() + 3650 * DAY_MS) / 1000) * 1000);
  });

  test("carries the extensions Go needs of a CA", () => {
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    expect(bc?.ca).toBe(true);
    expect(bc?.critical).toBe(true);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect(ku?.critical).toBe(true);
    expect(ku!.usages & x509.KeyUsageFlags.keyCertSign).toBe(x509.KeyUsageFlags.keyCertSign);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
  });

  test("is ECDSA P-256 / SHA-256, self-signed, with its PKCS#8 key", async () => {
    expect(cert.signatureAlgorithm).toMatchObject({ name: "ECDSA", hash: { name: "SHA-256" } });
    expect(cert.publicKey.algorithm).toMatchObject({ name: "ECDSA", namedCurve: "P-256" });
    expect(await cert.verify({ signatureOnly: true })).toBe(true);
    expect(ca.keyPem).toStartWith("-----BEGIN PRIVATE KEY-----\n");
    expect(keyMatchesCert(ca.certPem, ca.keyPem)).toBe(true);
  });

  test("takes a name and lifetime", async () => {
    const other = new x509.X509Certificate((await createCa({ commonName: "test-ca", days: 1, now })).certPem);
    expect(other.subject).toBe("CN=test-ca");
    expect(other.notAfter.getTime() - now.getTime()).toBe(DAY_MS);
  });

  test("takes a bare common name", async () => {
    expect(new x509.X509Certificate((await createCa("plain-ca")).certPem).subject).toBe("CN=plain-ca");
  });

  test("two CAs have different keys and serials", async () => {
    expect(otherCa.keyPem).not.toBe(ca.keyPem);
    expect(new x509.X509Certificate(otherCa.certPem).serialNumber).not.toBe(cert.serialNumber);
  });
});

describe("loadCa", () => {
  test("returns a sound pair unchanged", () => {
    expect(loadCa(ca)).toEqual(ca);
  });
  test.each([
    ["a leaf certificate", { certPem: leaf.certPem, keyPem: leaf.keyPem }, "NotCa"],
    ["another CA's key", { certPem: ca.certPem, keyPem: otherCa.keyPem }, "KeyMismatch"],
    ["garbage instead of a cert", { certPem: "nope", keyPem: ca.keyPem }, "MalformedCertificate"],
    ["garbage instead of a key", { certPem: ca.certPem, keyPem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }, "MalformedKey"],
  ])("refuses %s", (_name, pair, reason) => {
    let err: unknown;
    try {
      loadCa(pair);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PkiError);
    expect((err as PkiError).reason).toBe(reason as PkiError["reason"]);
  });
});

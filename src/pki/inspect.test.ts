import { expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { createCa } from "./ca.ts";
import { issueServingCert } from "./certs.ts";
import { PkiError } from "./errors.ts";
import { certInfo, certSha256Hex, keyMatchesCert, parseCertPem } from "./inspect.ts";

const ca = await createCa();
const other = await createCa();

test("the CA hash is the sha256 fingerprint of the DER", () => {
  // node's own X.509 parser computes the same fingerprint, colon-separated in upper case.
  const expected = new X509Certificate(ca.certPem).fingerprint256.replaceAll(":", "").toLowerCase();
  expect(certSha256Hex(ca.certPem)).toBe(expected);
});

test("the CA hash ignores PEM line wrapping", () => {
  const body = ca.certPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const rewrapped = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,76}/g)!.join("\r\n")}\r\n-----END CERTIFICATE-----`;
  expect(certSha256Hex(rewrapped)).toBe(certSha256Hex(ca.certPem));
});

test.each([
  ["its own key", () => ca.keyPem, true],
  ["another key", () => other.keyPem, false],
])("keyMatchesCert with %s", (_name, key, want) => {
  expect(keyMatchesCert(ca.certPem, key())).toBe(want);
});

test("certInfo reads names and dates", async () => {
  const s = await issueServingCert(ca, { commonName: "srv", dnsNames: ["a.example"], ips: ["192.0.2.1"], days: 10 });
  const info = certInfo(s.certPem);
  expect(info).toMatchObject({ commonName: "srv", dnsNames: ["a.example"], ips: ["192.0.2.1"], isCa: false });
  expect(info.notAfter > info.notBefore).toBe(true);
});

test("a malformed certificate is a PkiError", () => {
  expect(() => parseCertPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).toThrow(PkiError);
});

import { expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { createCa } from "./ca.ts";
import { issueServingCert } from "./certs.ts";
import { PkiError } from "./errors.ts";
import { certInfo, certSans, certSha256Hex, keyMatchesCert, nativeCert, parseCertPem } from "./inspect.ts";

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

test.each([parseCertPem, nativeCert, certSans, certSha256Hex])("a malformed certificate is a PkiError (%p)", (read) => {
  expect(() => read("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).toThrow(PkiError);
});

// certSans reads OpenSSL's text; certInfo the ASN.1 itself: they must agree.
test.each<[string, string[], string[]]>([
  ["plain names", ["a.example", "localhost"], ["192.0.2.1"]],
  ["IPv6 in several forms", ["a.example"], ["fe80::1", "2001:db8::9", "::1", "::ffff:10.0.0.1"]],
  ["a name with a comma and a space", ["a, b.example", 'q"uote'], []],
  ["no IPs", ["x"], []],
])("certSans agrees with the certificate's ASN.1: %s", async (_name, dnsNames, ips) => {
  const s = await issueServingCert(ca, { commonName: "srv", dnsNames, ips });
  const info = certInfo(s.certPem);
  expect(certSans(s.certPem)).toEqual({ dnsNames: info.dnsNames, ips: info.ips });
  expect(certSans(s.certPem).dnsNames).toEqual(dnsNames);
});

test("a certificate without SANs has none", () => {
  expect(certSans(ca.certPem)).toEqual({ dnsNames: [], ips: [] });
});

import { describe, expect, test } from "bun:test";
import { createCa, DAY_MS } from "./ca.ts";
import { issueClientCert } from "./certs.ts";
import { renewAt, renewalState, validity } from "./renewal.ts";

const T0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

describe("renewAt", () => {
  test.each([
    ["a 365-day leaf: its last 90 days (K3s)", 365 * DAY_MS, 275 * DAY_MS],
    ["a 10-year CA-length span: still the last 90 days", 3650 * DAY_MS, 3560 * DAY_MS],
    ["a 100-day leaf: its last quarter, not 90 days of 100", 100 * DAY_MS, 75 * DAY_MS],
    ["an 8-second test leaf: its last 2 seconds", 8_000, 6_000],
  ])("%s", (_, span, due) => {
    expect(renewAt({ notBefore: T0, notAfter: at(span) })).toEqual(at(due));
  });
});

describe("issued certificates and their renewal state", () => {
  test("a 365-day client cert is ok until 90 days before its end, due inside them, expired after", async () => {
    const ca = await createCa({ now: T0 });
    const { certPem } = await issueClientCert(ca, { commonName: "u", now: T0 });
    expect(validity(certPem).notAfter).toEqual(at(365 * DAY_MS));
    expect(renewalState(certPem, at(274 * DAY_MS))).toBe("ok");
    expect(renewalState(certPem, at(276 * DAY_MS))).toBe("due");
    expect(renewalState(certPem, at(366 * DAY_MS))).toBe("expired");
  });

  test("a short lifetime is backdated by a tenth of it, not a minute, so it is not due at issuance", async () => {
    const ca = await createCa({ now: T0 });
    const { certPem } = await issueClientCert(ca, { commonName: "u", lifetimeMs: 20_000, now: T0 });
    expect(validity(certPem)).toEqual({ notBefore: at(-2_000), notAfter: at(20_000) });
    expect(renewalState(certPem, T0)).toBe("ok");
    expect(renewalState(certPem, at(15_000))).toBe("due");
    expect(renewalState(certPem, at(20_000))).toBe("expired");
  });
});

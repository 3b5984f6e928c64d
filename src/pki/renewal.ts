/**
 * When a leaf certificate is renewed: inside its last 90 days (K3s' rule for 365-day leaves),
 * or inside the last quarter of its validity when that is shorter — so a certificate issued
 * for minutes (a test server's K3RS_CERT_LIFETIME_SECONDS) is renewed well before it expires,
 * by the same rule and without a test clock.
 */
// node:crypto only: the agent checks its certificates with this and must not load @peculiar/x509.
import { nativeCert } from "./fingerprint.ts";

export const RENEW_WITHIN_MS = 90 * 86_400_000;

/** The validity of a certificate, read with the native parser (a restart checks several). */
export function validity(certPem: string): { notBefore: Date; notAfter: Date } {
  const c = nativeCert(certPem);
  return { notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo) };
}

/**
 * @example renewAt({ notBefore: jan1, notAfter: jan1 + 365d }) // jan1 + 275d
 */
export function renewAt(v: { notBefore: Date; notAfter: Date }): Date {
  const span = v.notAfter.getTime() - v.notBefore.getTime();
  return new Date(v.notAfter.getTime() - Math.min(RENEW_WITHIN_MS, span / 4));
}

export type RenewalState = "ok" | "due" | "expired";

export function renewalState(certPem: string, now: Date): RenewalState {
  const v = validity(certPem);
  if (now.getTime() >= v.notAfter.getTime()) return "expired";
  return now.getTime() >= renewAt(v).getTime() ? "due" : "ok";
}

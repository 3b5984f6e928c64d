/**
 * IP literals in the one text form that survives a round trip through a certificate, so a
 * SAN asked for and a SAN read back compare equal. IPv4-mapped IPv6 becomes plain IPv4, as Go
 * encodes and matches it (and @peculiar/x509 mis-parses the dotted tail of `::ffff:a.b.c.d`).
 */
import { isIP } from "node:net";
import { PkiError } from "./errors.ts";

export function canonicalIp(text: string): string {
  const ip = text.trim().replace(/^\[(.*)\]$/, "$1");
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family !== 6) throw new PkiError("InvalidIp", `not an IP address: ${JSON.stringify(text)}`);
  const v6 = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = v6.match(/^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
}

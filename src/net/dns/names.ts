/**
 * Name forms the cluster DNS uses: reverse names for PTR (RFC 1035 §3.5, RFC 3596 §2.5) and
 * the dashed IP labels Kubernetes uses for pods and unnamed headless endpoints
 * (`10-42-0-5`, `fd00--5`), per the DNS spec for Kubernetes (dns/specification.md).
 */
import { isIPv4, isIPv6 } from "node:net";

/** Lowercase, no trailing dot: the form names are stored and looked up in. */
export function normalizeName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith(".") ? n.slice(0, -1) : n;
}

function expandIPv6(ip: string): number[] {
  const [head, tail] = ip.includes("::") ? ip.split("::") as [string, string] : [ip, undefined];
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const h = parse(head);
  if (tail === undefined) return h;
  const t = parse(tail);
  return [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
}

/** `10.43.0.1` → `1.0.43.10.in-addr.arpa`; IPv6 to nibbles under ip6.arpa; undefined if not an IP. */
export function reverseName(ip: string): string | undefined {
  if (isIPv4(ip)) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  if (isIPv6(ip) && !ip.includes(".")) {
    const hex = expandIPv6(ip).map((g) => g.toString(16).padStart(4, "0")).join("");
    return `${[...hex].reverse().join(".")}.ip6.arpa`;
  }
  return undefined;
}

/** `10.42.0.5` → `10-42-0-5`; `fd00::5` → `fd00--5` (CoreDNS's endpoint and pod labels). */
export function dashedIp(ip: string): string {
  return isIPv4(ip) ? ip.replaceAll(".", "-") : ip.toLowerCase().replaceAll(":", "-");
}

/** The inverse of dashedIp, or undefined when the label is not an address. */
export function undashIp(label: string): string | undefined {
  const v4 = label.replaceAll("-", ".");
  if (isIPv4(v4)) return v4;
  const v6 = label.replaceAll("-", ":");
  if (isIPv6(v6) && !v6.includes(".")) return v6;
  return undefined;
}

/**
 * The little IPv4 arithmetic pod routing needs: the cluster is IPv4 (K3s's default
 * 10.42.0.0/16), and every address here comes from a Node object, so parsing is strict and a
 * bad value is `undefined`, never a guess.
 */

export interface Cidr {
  /** the network address as an unsigned 32-bit number */
  base: number;
  prefix: number;
}

export function parseIPv4(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** `10.42.1.0/24` → its network; a CIDR with host bits set (`10.42.1.5/24`) is refused. */
export function parseCidr(s: string): Cidr | undefined {
  const [ip, len, extra] = s.split("/");
  if (extra !== undefined || ip === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const base = parseIPv4(ip);
  const prefix = Number(len);
  if (base === undefined || prefix > 32) return undefined;
  if ((base & ~mask(prefix)) >>> 0 !== 0) return undefined;
  return { base, prefix };
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

/** Whether two networks share any address (one contains the other). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

/** The n-th address of a network: 0 is the network address flannel gives its VTEP, 1 the bridge. */
export function nthAddress(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  if (!c) throw new Error(`not an IPv4 CIDR: ${JSON.stringify(cidr)}`);
  return formatIPv4((c.base + n) >>> 0);
}

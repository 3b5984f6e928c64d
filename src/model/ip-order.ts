/** The order Kubernetes' controllers list addresses in: dotted IPv4 by number (10.0.0.9 before 10.0.0.10), anything else (IPv6, names) by text. */
export function compareIPs(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  if (pa.length === 4 && pb.length === 4 && [...pa, ...pb].every((x) => Number.isInteger(x))) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Pod CIDRs for nodes, carved from the cluster CIDR (kube-controller-manager's range
 * allocator): the lowest free block of `maskSize` bits goes to each node without one.
 */
export interface Ipv4Block {
  base: number;
  bits: number;
}

export function parseIpv4Cidr(text: string): Ipv4Block {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) throw new Error(`invalid IPv4 CIDR "${text}"`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) throw new Error(`invalid IPv4 CIDR "${text}"`);
  const ip = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), bits };
}

export function formatBlock(b: Ipv4Block): string {
  return `${[24, 16, 8, 0].map((s) => Math.floor(b.base / 2 ** s) % 256).join(".")}/${b.bits}`;
}

/** The lowest block of size `maskSize` inside `cluster` not in `used`; undefined when all are taken. */
export function nextFreeBlock(cluster: Ipv4Block, maskSize: number, used: Set<string>): string | undefined {
  if (maskSize < cluster.bits) throw new Error(`node CIDR mask /${maskSize} is larger than the cluster CIDR /${cluster.bits}`);
  const step = 2 ** (32 - maskSize);
  const count = 2 ** (maskSize - cluster.bits);
  for (let i = 0; i < count; i++) {
    const cidr = formatBlock({ base: cluster.base + i * step, bits: maskSize });
    if (!used.has(cidr)) return cidr;
  }
  return undefined;
}

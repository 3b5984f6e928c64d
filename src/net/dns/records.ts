/**
 * Resource records as the cluster DNS keeps them in memory. Field names are dns2's
 * (`address`, `domain`, `target`, …) so a record becomes a dns2 resource by adding a class.
 */

export const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, AAAA: 28, SRV: 33, ANY: 255 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

interface Base {
  /** Normalised owner name (lowercase, no trailing dot). */
  name: string;
  ttl: number;
}
export type AddressRecord = Base & { type: typeof T.A | typeof T.AAAA; address: string };
export type NameRecord = Base & { type: typeof T.CNAME | typeof T.PTR; domain: string };
export type NsRecord = Base & { type: typeof T.NS; ns: string };
export type SrvRecord = Base & { type: typeof T.SRV; priority: number; weight: number; port: number; target: string };
export type SoaRecord = Base & {
  type: typeof T.SOA;
  primary: string;
  admin: string;
  serial: number;
  refresh: number;
  retry: number;
  expiration: number;
  minimum: number;
};
export type DnsRecord = AddressRecord | NameRecord | NsRecord | SrvRecord | SoaRecord;

/**
 * What the cluster zone says about one question. `rcode` NOERROR with no answers is NODATA
 * (RFC 2308 §2.2): the name exists with other types. `chase` is set when a CNAME leads out
 * of the zone (an ExternalName Service), for the server to resolve the target upstream.
 */
export interface ZoneAnswer {
  rcode: typeof RCODE.NOERROR | typeof RCODE.NXDOMAIN;
  authoritative: boolean;
  answers: DnsRecord[];
  authority: DnsRecord[];
  additionals: DnsRecord[];
  chase?: string;
}

/** A record's identity as text: for de-duplication and change detection, cheaper than JSON. */
export function recordKey(r: DnsRecord): string {
  switch (r.type) {
    case T.A:
    case T.AAAA:
      return `${r.name} ${r.type} ${r.ttl} ${r.address}`;
    case T.CNAME:
    case T.PTR:
      return `${r.name} ${r.type} ${r.ttl} ${r.domain}`;
    case T.SRV:
      return `${r.name} ${r.type} ${r.ttl} ${r.priority} ${r.weight} ${r.port} ${r.target}`;
    case T.NS:
      return `${r.name} ${r.type} ${r.ttl} ${r.ns}`;
    case T.SOA:
      return `${r.name} ${r.type} ${r.ttl} ${r.primary} ${r.admin} ${r.serial}`;
  }
}

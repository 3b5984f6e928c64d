/**
 * Byte-level reading of DNS messages (RFC 1035 §4.1), for the hot path: a query is looked up
 * in the response cache without building a dns2 Packet, and a cached response is sent after
 * patching its ID, flags and question name in place. Anything unusual (compression in the
 * question, several questions, an EDNS version we do not speak) returns undefined here and
 * takes the slow path through dns2's Packet, which answers it properly or with FORMERR.
 */

export const HEADER_SIZE = 12;
export const TYPE_OPT = 41;
/** A UDP answer without EDNS must fit in 512 octets (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_LIMIT = 512;
/** The most we answer over UDP even when a client advertises more (DNS flag day 2020: 1232). */
export const MAX_UDP_LIMIT = 4096;
export const TCP_LIMIT = 65535;

const latin1 = (buf: Uint8Array, start: number, end: number): string =>
  Buffer.prototype.latin1Slice.call(buf, start, end) as string;

export interface QueryKey {
  /** Cache key: lowercased question name, type, class, EDNS state and size limit. */
  key: string;
  /** Offset just past the question name (the name occupies [12, nameEnd)). */
  nameEnd: number;
  qtype: number;
  qclass: number;
  /** The largest response the client takes. */
  limit: number;
}

/**
 * Reads a plain query: opcode QUERY, one question with an uncompressed name, nothing in the
 * answer/authority sections and at most an EDNS(0) OPT record. `limit` is the transport's
 * ceiling (TCP) or undefined for UDP, where it comes from the OPT record.
 */
export function readQueryKey(buf: Uint8Array, tcp: boolean): QueryKey | undefined {
  const len = buf.length;
  if (len < HEADER_SIZE + 5) return undefined;
  // QR must be 0 and opcode QUERY (0); TC in a query makes no sense either.
  if ((buf[2]! & 0xfa) !== 0) return undefined;
  if (buf[4] !== 0 || buf[5] !== 1 || buf[6] !== 0 || buf[7] !== 0 || buf[8] !== 0 || buf[9] !== 0) return undefined;
  const arcount = (buf[10]! << 8) | buf[11]!;
  if (arcount > 1) return undefined;
  let off = HEADER_SIZE;
  for (;;) {
    if (off >= len) return undefined;
    const l = buf[off]!;
    if (l === 0) break;
    if (l > 63) return undefined; // a pointer or a reserved label type
    off += l + 1;
    if (off - HEADER_SIZE > 255) return undefined;
  }
  const nameEnd = off + 1;
  if (nameEnd > len) return undefined;
  // The name in wire form (length octets included) is as good a key as its dotted text, and
  // a native slice is cheaper than building it. toLowerCase also folds Latin-1 letters, which
  // normalizeName does too, so keys and the store agree.
  const name = latin1(buf, HEADER_SIZE, nameEnd).toLowerCase();
  if (nameEnd + 4 > len) return undefined;
  const qtype = (buf[nameEnd]! << 8) | buf[nameEnd + 1]!;
  const qclass = (buf[nameEnd + 2]! << 8) | buf[nameEnd + 3]!;
  off = nameEnd + 4;
  let edns = 0;
  let limit = tcp ? TCP_LIMIT : CLASSIC_UDP_LIMIT;
  if (arcount === 1) {
    // OPT: root name, type 41, class = UDP size, TTL = ext-rcode | version | DO, RDLENGTH.
    if (off + 11 > len || buf[off] !== 0) return undefined;
    if (((buf[off + 1]! << 8) | buf[off + 2]!) !== TYPE_OPT) return undefined;
    const size = (buf[off + 3]! << 8) | buf[off + 4]!;
    if (buf[off + 6] !== 0) return undefined; // EDNS version > 0 wants BADVERS: slow path
    const dnssecOk = (buf[off + 7]! & 0x80) !== 0;
    const rdlen = (buf[off + 9]! << 8) | buf[off + 10]!;
    off += 11 + rdlen;
    edns = dnssecOk ? 2 : 1;
    if (!tcp) limit = Math.min(Math.max(size, CLASSIC_UDP_LIMIT), MAX_UDP_LIMIT);
  }
  if (off !== len) return undefined;
  return { key: `${name}|${qtype}|${qclass}|${edns}|${limit}`, nameEnd, qtype, qclass, limit };
}

/**
 * Makes a cached response answer this query: its ID, its RD and CD bits (copied from the
 * query as RFC 1035 and RFC 4035 §3.2.2 ask) and the question name exactly as the client
 * spelled it, since resolvers using 0x20 case randomisation check it. Same-length names only:
 * the cache key is the lowercased name, so the lengths always match.
 */
export function patchResponse(cached: Uint8Array, query: Uint8Array, nameEnd: number): Buffer {
  const out = Buffer.allocUnsafe(cached.length);
  out.set(cached);
  patchInPlace(out, query, nameEnd);
  return out;
}

export function patchInPlace(out: Uint8Array, query: Uint8Array, nameEnd: number): void {
  out[0] = query[0]!;
  out[1] = query[1]!;
  out[2] = (out[2]! & 0xfe) | (query[2]! & 0x01);
  out[3] = (out[3]! & 0xef) | (query[3]! & 0x10);
  out.set(query.subarray(HEADER_SIZE, nameEnd), HEADER_SIZE);
}

/** Skips a (possibly compressed) name; returns the offset after it, or -1 when malformed. */
function skipName(buf: Uint8Array, off: number): number {
  for (let guard = 0; guard < 128; guard++) {
    if (off >= buf.length) return -1;
    const l = buf[off]!;
    if (l === 0) return off + 1;
    if ((l & 0xc0) === 0xc0) return off + 2 <= buf.length ? off + 2 : -1;
    if (l > 63) return -1;
    off += l + 1;
  }
  return -1;
}

/**
 * Offsets of every TTL field in a response's answer, authority and additional sections (the
 * OPT pseudo-record excluded: its "TTL" holds flags), so a cached upstream answer can be
 * served with TTLs counted down instead of re-encoded. Undefined when the message is malformed.
 */
export function ttlOffsets(buf: Uint8Array): number[] | undefined {
  if (buf.length < HEADER_SIZE) return undefined;
  const qd = (buf[4]! << 8) | buf[5]!;
  const rr = ((buf[6]! << 8) | buf[7]!) + ((buf[8]! << 8) | buf[9]!) + ((buf[10]! << 8) | buf[11]!);
  let off = HEADER_SIZE;
  for (let i = 0; i < qd; i++) {
    off = skipName(buf, off);
    if (off < 0 || off + 4 > buf.length) return undefined;
    off += 4;
  }
  const out: number[] = [];
  for (let i = 0; i < rr; i++) {
    off = skipName(buf, off);
    if (off < 0 || off + 10 > buf.length) return undefined;
    const type = (buf[off]! << 8) | buf[off + 1]!;
    if (type !== TYPE_OPT) out.push(off + 4);
    const rdlen = (buf[off + 8]! << 8) | buf[off + 9]!;
    off += 10 + rdlen;
    if (off > buf.length) return undefined;
  }
  return out;
}

export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) >>> 0) + (buf[off + 1]! << 16) + (buf[off + 2]! << 8) + buf[off + 3]!;
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

export function rcodeOf(buf: Uint8Array): number {
  return buf.length >= 4 ? buf[3]! & 0x0f : 2;
}

/**
 * Turning a query into a response message with dns2's Packet: reading the question (the slow
 * path, for whatever the byte-level reader in wire.ts declined), encoding a zone answer with
 * truncation to the client's size limit, and error responses.
 */
import { Packet } from "dns2";
import { normalizeName } from "./names.ts";
import { CLASS_IN, RCODE, type DnsRecord, type ZoneAnswer } from "./records.ts";
import { CLASSIC_UDP_LIMIT, MAX_UDP_LIMIT, TCP_LIMIT } from "./wire.ts";

/** The UDP payload size we advertise in our OPT record (DNS flag day 2020). */
export const OUR_UDP_SIZE = 1232;
const T_OPT = 41;

export interface Query {
  id: number;
  rd: number;
  cd: number;
  /** The name as the client spelled it, without the trailing dot. */
  name: string;
  /** Lowercase, no trailing dot. */
  norm: string;
  qtype: number;
  qclass: number;
  edns?: { dnssecOk: boolean };
  /** The largest response the client accepts on this transport. */
  limit: number;
}

export type ParsedQuery =
  | { ok: true; query: Query; packet: Packet }
  /** Answer with this rcode (FORMERR, NOTIMP, BADVERS…); `packet` is what could be read. */
  | { ok: false; rcode: number; packet: Packet }
  /** Not worth an answer: too short to carry an ID, or itself a response. */
  | { ok: false; drop: true };

export function parseQuery(buf: Buffer, tcp: boolean): ParsedQuery {
  let packet: Packet;
  try {
    packet = Packet.parse(buf);
  } catch {
    return { ok: false, drop: true };
  }
  const h = packet.header;
  if (h.qr) return { ok: false, drop: true };
  if (h.opcode !== 0) return { ok: false, rcode: RCODE.NOTIMP, packet };
  if (packet.errors.length || packet.questions.length !== 1 || typeof packet.questions[0]?.name !== "string") {
    return { ok: false, rcode: RCODE.FORMERR, packet };
  }
  const opt: any = packet.additionals.find((r: any) => r?.type === T_OPT);
  if (opt && (opt.version ?? 0) !== 0) return { ok: false, rcode: 16 /* BADVERS */, packet };
  const q = packet.questions[0]!;
  const limit = tcp ? TCP_LIMIT : opt ? Math.min(Math.max(opt.class ?? 0, CLASSIC_UDP_LIMIT), MAX_UDP_LIMIT) : CLASSIC_UDP_LIMIT;
  const name = q.name.endsWith(".") ? q.name.slice(0, -1) : q.name;
  return {
    ok: true,
    packet,
    query: {
      id: h.id,
      rd: h.rd,
      cd: (h as any).cd ?? 0,
      name,
      norm: normalizeName(name),
      qtype: q.type,
      qclass: q.class,
      edns: opt ? { dnssecOk: !!opt.doFlag } : undefined,
      limit,
    },
  };
}


function header(q: Pick<Query, "id" | "rd" | "cd">, rcode: number, aa: boolean, tc = false) {
  // dns2's Header type lacks the AD/CD bits it reads and writes.
  return new Packet.Header({ id: q.id, qr: 1, opcode: 0, aa: aa ? 1 : 0, tc: tc ? 1 : 0, rd: q.rd ? 1 : 0, ra: 1, cd: q.cd, rcode } as any);
}

function resource(r: DnsRecord, q: Query): any {
  // Answers at the question's name keep the client's spelling (0x20-randomising resolvers check it).
  return { ...r, name: r.name === q.norm ? q.name : r.name, class: CLASS_IN };
}

function opt(q: Query): any[] {
  return q.edns ? [Packet.Resource.EDNS([], { udpPayloadSize: OUR_UDP_SIZE, doFlag: q.edns.dnssecOk })] : [];
}

function encode(q: Query, ans: ZoneAnswer, answers: DnsRecord[], additionals: DnsRecord[], tc: boolean): Buffer {
  const p = new Packet();
  p.header = header(q, ans.rcode, ans.authoritative, tc);
  p.questions = [new Packet.Question(q.name, q.qtype, q.qclass)];
  p.answers = answers.map((r) => resource(r, q));
  p.authorities = ans.authority.map((r) => resource(r, q));
  p.additionals = [...additionals.map((r) => resource(r, q)), ...opt(q)];
  return p.toBuffer();
}

/**
 * Encodes a zone answer within `q.limit` octets. Extra records go first (they are only a
 * courtesy); if the answer itself does not fit, as many whole answer records as fit are kept
 * and TC is set so the client retries over TCP (RFC 2181 §9, RFC 1035 §4.2.1).
 */
export function encodeZoneAnswer(q: Query, ans: ZoneAnswer): Buffer {
  const full = encode(q, ans, ans.answers, ans.additionals, false);
  if (full.length <= q.limit) return full;
  const bare = encode(q, ans, ans.answers, [], false);
  if (bare.length <= q.limit) return bare;
  let lo = 0;
  let hi = ans.answers.length - 1;
  let best = encode(q, ans, [], [], true);
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = encode(q, ans, ans.answers.slice(0, mid), [], true);
    if (b.length <= q.limit) {
      best = b;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** An error response (SERVFAIL, FORMERR, NOTIMP, REFUSED, BADVERS) to a query read by Packet. */
export function encodeError(request: Packet, rcode: number): Buffer {
  const res = Packet.createErrorResponseFromRequest(request, rcode);
  res.header.ra = 1;
  (res.header as any).cd = (request.header as any).cd ?? 0;
  // A question we could not read is not echoed back (FORMERR's usual form).
  if (rcode === RCODE.FORMERR) res.questions = res.questions.filter((q: any) => typeof q?.name === "string");
  for (const r of res.additionals as any[]) if (r?.type === T_OPT) r.class = OUR_UDP_SIZE;
  try {
    return res.toBuffer();
  } catch {
    res.questions = [];
    return res.toBuffer();
  }
}

export function errorForQuery(q: Query, rcode: number): Buffer {
  const p = new Packet();
  p.header = header(q, rcode, false);
  p.questions = [new Packet.Question(q.name, q.qtype, q.qclass)];
  p.additionals = opt(q);
  return p.toBuffer();
}


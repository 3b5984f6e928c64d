import { describe, expect, test } from "bun:test";
import { Packet } from "dns2";
import { patchResponse, readQueryKey, ttlOffsets, readU32 } from "./wire.ts";

function query(name: string, type: number = Packet.TYPE.A, opts: { id?: number; edns?: { size: number; dnssecOk?: boolean }; rd?: boolean } = {}): Buffer {
  const p = new Packet();
  p.header.id = opts.id ?? 0x1234;
  p.header.rd = opts.rd === false ? 0 : 1;
  p.questions.push(new Packet.Question(name, type, Packet.CLASS.IN));
  if (opts.edns) p.additionals.push(Packet.Resource.EDNS([], { udpPayloadSize: opts.edns.size, doFlag: opts.edns.dnssecOk }) as any);
  return p.toBuffer();
}

describe("readQueryKey", () => {
  test("keys on the lowercased name, type, class, EDNS and size limit", () => {
    const a = readQueryKey(query("Web.Shop.svc.cluster.local"), false)!;
    const b = readQueryKey(query("web.shop.svc.cluster.local"), false)!;
    expect(a.key).toBe(b.key);
    expect(a.limit).toBe(512);
    expect(a.qtype).toBe(1);
    expect(readQueryKey(query("web.shop.svc.cluster.local", Packet.TYPE.AAAA), false)!.key).not.toBe(a.key);
    const e = readQueryKey(query("web.shop.svc.cluster.local", 1, { edns: { size: 1232 } }), false)!;
    expect(e.limit).toBe(1232);
    expect(e.key).not.toBe(a.key);
    const d = readQueryKey(query("web.shop.svc.cluster.local", 1, { edns: { size: 1232, dnssecOk: true } }), false)!;
    expect(d.key).not.toBe(e.key);
    expect(readQueryKey(query("web.shop.svc.cluster.local", 1, { edns: { size: 65000 } }), false)!.limit).toBe(4096);
    expect(readQueryKey(query("web.shop.svc.cluster.local", 1, { edns: { size: 100 } }), false)!.limit).toBe(512);
    expect(readQueryKey(query("web.shop.svc.cluster.local"), true)!.limit).toBe(65535);
  });

  test("declines what the slow path must judge", () => {
    const q = query("a.b");
    const response = Buffer.from(q);
    response[2]! |= 0x80;
    expect(readQueryKey(response, false)).toBeUndefined();
    const notify = Buffer.from(q);
    notify[2] = (4 << 3) | 1;
    expect(readQueryKey(notify, false)).toBeUndefined();
    const two = Buffer.from(q);
    two[5] = 2;
    expect(readQueryKey(two, false)).toBeUndefined();
    expect(readQueryKey(q.subarray(0, q.length - 1), false)).toBeUndefined();
    expect(readQueryKey(Buffer.concat([q, Buffer.from([0])]), false)).toBeUndefined();
    const pointer = Buffer.from(q);
    pointer[12] = 0xc0;
    expect(readQueryKey(pointer, false)).toBeUndefined();
    expect(readQueryKey(Buffer.alloc(5), false)).toBeUndefined();
  });
});

describe("patchResponse", () => {
  test("takes the query's ID, RD and CD bits and its spelling of the name", () => {
    const cachedQ = query("web.shop.svc.cluster.local", 1, { id: 1 });
    const res = new Packet();
    res.header = new Packet.Header({ id: 1, qr: 1, aa: 1, rd: 1, ra: 1 });
    res.questions = [new Packet.Question("web.shop.svc.cluster.local", 1, 1)];
    res.answers = [{ name: "web.shop.svc.cluster.local", type: 1, class: 1, ttl: 5, address: "10.43.0.20" } as any];
    const cached = res.toBuffer();
    const q = query("WeB.sHoP.svc.cluster.local", 1, { id: 0xbeef, rd: false });
    const k = readQueryKey(q, false)!;
    expect(readQueryKey(cachedQ, false)!.key).toBe(k.key);
    const out = Packet.parse(patchResponse(cached, q, k.nameEnd));
    expect(out.header.id).toBe(0xbeef);
    expect(out.header.rd).toBe(0);
    expect(out.header.aa).toBe(1);
    expect(out.questions[0]!.name).toBe("WeB.sHoP.svc.cluster.local");
    // the answer's name is a pointer to the question, so it follows the client's spelling too
    expect(out.answers[0]!.name).toBe("WeB.sHoP.svc.cluster.local");
    expect((out.answers[0] as any).address).toBe("10.43.0.20");
    // the cached copy is untouched
    expect(Packet.parse(cached).header.id).toBe(1);
  });
});

describe("ttlOffsets", () => {
  test("finds every TTL except the OPT record's", () => {
    const res = new Packet();
    res.header = new Packet.Header({ id: 1, qr: 1 });
    res.questions = [new Packet.Question("example.com", 1, 1)];
    res.answers = [
      { name: "example.com", type: 5, class: 1, ttl: 300, domain: "www.example.com" } as any,
      { name: "www.example.com", type: 1, class: 1, ttl: 60, address: "192.0.2.1" } as any,
    ];
    res.authorities = [{ name: "example.com", type: 6, class: 1, ttl: 900, primary: "ns.example.com", admin: "h.example.com", serial: 1, refresh: 2, retry: 3, expiration: 4, minimum: 5 } as any];
    res.additionals = [Packet.Resource.EDNS([], { udpPayloadSize: 1232 }) as any];
    const buf = res.toBuffer();
    expect(ttlOffsets(buf)!.map((o) => readU32(buf, o))).toEqual([300, 60, 900]);
    expect(ttlOffsets(buf.subarray(0, buf.length - 5))).toBeUndefined();
  });
});

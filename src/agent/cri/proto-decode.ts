/**
 * Protobuf (proto3) decoding driven by the tables of proto-schema.ts, into the shapes
 * proto-encode.ts takes: camelCase fields, 64-bit integers as decimal strings, enums by name,
 * every absent field filled in (scalars with their zero value, repeated with [], maps with {},
 * messages with null), bytes as Buffer.
 */
import type { FieldDef, ProtoSchema, ScalarType } from "./proto-schema.ts";
import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, wireOf } from "./proto-wire.ts";

const textDecoder = new TextDecoder();

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  /** A varint as [low 32 bits, high 32 bits], both unsigned. */
  varint(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new RangeError("protobuf: truncated varint");
      const b = this.buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw new RangeError("protobuf: varint too long");
  }

  /** A small varint (tags, lengths). */
  uint(): number {
    const [lo, hi] = this.varint();
    return hi * 0x1_0000_0000 + lo;
  }

  take(n: number): [number, number] {
    if (n < 0 || this.pos + n > this.end) throw new RangeError("protobuf: truncated field");
    const start = this.pos;
    this.pos += n;
    return [start, this.pos];
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.take(8);
    else if (wire === WIRE_FIXED32) this.take(4);
    else if (wire === WIRE_LEN) this.take(this.uint());
    else throw new RangeError(`protobuf: wire type ${wire} is not supported`);
  }
}

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function readScalar(r: Reader, type: ScalarType, wire: number): unknown {
  const dv = () => new DataView(r.buf.buffer, r.buf.byteOffset, r.buf.byteLength);
  switch (type) {
    case "string": {
      const [s, e] = r.take(r.uint());
      return textDecoder.decode(r.buf.subarray(s, e));
    }
    case "bytes": {
      const [s, e] = r.take(r.uint());
      return Buffer.from(r.buf.subarray(s, e));
    }
    case "double":
      return dv().getFloat64(r.take(8)[0], true);
    case "float":
      return dv().getFloat32(r.take(4)[0], true);
    case "fixed32":
      return dv().getUint32(r.take(4)[0], true);
    case "sfixed32":
      return dv().getInt32(r.take(4)[0], true);
    case "fixed64":
      return dv().getBigUint64(r.take(8)[0], true).toString();
    case "sfixed64":
      return dv().getBigInt64(r.take(8)[0], true).toString();
    default:
  }
  if (wire !== WIRE_VARINT) throw new RangeError(`protobuf: ${type} sent with wire type ${wire}`);
  const [lo, hi] = r.varint();
  switch (type) {
    case "bool":
      return lo !== 0 || hi !== 0;
    case "int32":
      return lo | 0;
    case "uint32":
      return lo;
    case "sint32":
      return (lo >>> 1) ^ -(lo & 1);
    case "uint64":
      return hi === 0 ? String(lo) : u64(lo, hi).toString();
    case "int64":
      return hi === 0 ? String(lo) : BigInt.asIntN(64, u64(lo, hi)).toString();
    default: { // sint64
      const n = u64(lo, hi);
      return ((n >> 1n) ^ -(n & 1n)).toString();
    }
  }
}

function zeroOf(schema: ProtoSchema, f: FieldDef): unknown {
  if (f.mapKey !== undefined) return {};
  if (f.repeated) return [];
  if (f.kind === "message") return null;
  if (f.kind === "enum") return schema.enums.get(f.type)!.zero;
  switch (f.type as ScalarType) {
    case "string":
      return "";
    case "bytes":
      return Buffer.alloc(0);
    case "bool":
      return false;
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return "0";
    default:
      return 0;
  }
}

function readValue(schema: ProtoSchema, r: Reader, f: FieldDef, wire: number): unknown {
  if (f.kind === "message") {
    if (wire !== WIRE_LEN) throw new RangeError(`protobuf: ${f.name} sent with wire type ${wire}`);
    const [s, e] = r.take(r.uint());
    return readMessage(schema, new Reader(r.buf, s, e), f.type);
  }
  if (f.kind === "enum") {
    const n = r.varint()[0] | 0;
    return schema.enums.get(f.type)!.byNumber.get(n) ?? n;
  }
  return readScalar(r, f.type as ScalarType, wire);
}

function readMessage(schema: ProtoSchema, r: Reader, type: string): Record<string, unknown> {
  const def = schema.messages.get(type);
  if (!def) throw new TypeError(`unknown message ${type}`);
  const out: Record<string, unknown> = {};
  for (const f of def.fields) out[f.name] = zeroOf(schema, f);
  while (r.pos < r.end) {
    const key = r.uint();
    const no = Math.floor(key / 8);
    const wire = key % 8;
    const f = def.byNo.get(no);
    if (!f) {
      r.skip(wire); // a field newer than our schema
      continue;
    }
    if (f.mapKey !== undefined) {
      const [s, e] = r.take(r.uint());
      const entry = new Reader(r.buf, s, e);
      let k: unknown = zeroOf(schema, { ...f, mapKey: undefined, repeated: false, kind: "scalar", type: f.mapKey });
      let v: unknown = zeroOf(schema, { ...f, mapKey: undefined, repeated: false });
      while (entry.pos < entry.end) {
        const ek = entry.uint();
        if (Math.floor(ek / 8) === 1) k = readScalar(entry, f.mapKey, ek % 8);
        else if (Math.floor(ek / 8) === 2) v = readValue(schema, entry, { ...f, mapKey: undefined, repeated: false }, ek % 8);
        else entry.skip(ek % 8);
      }
      (out[f.name] as Record<string, unknown>)[String(k)] = v;
    } else if (f.repeated) {
      const list = out[f.name] as unknown[];
      const packable = f.kind === "enum" || (f.kind === "scalar" && f.type !== "string" && f.type !== "bytes");
      if (packable && wire === WIRE_LEN) {
        const [s, e] = r.take(r.uint());
        const inner = new Reader(r.buf, s, e);
        const itemWire = f.kind === "enum" ? WIRE_VARINT : wireOf(f.type as ScalarType);
        while (inner.pos < inner.end) list.push(readValue(schema, inner, f, itemWire));
      } else {
        list.push(readValue(schema, r, f, wire));
      }
    } else {
      out[f.name] = readValue(schema, r, f, wire);
    }
  }
  return out;
}

/** Decodes `bytes` as message `type`; throws RangeError on malformed input. */
export function decodeMessage(schema: ProtoSchema, type: string, bytes: Uint8Array): Record<string, unknown> {
  return readMessage(schema, new Reader(bytes, 0, bytes.length), type);
}

/**
 * Protobuf (proto3) wire encoding driven by the tables of proto-schema.ts, with the object
 * shapes the agent has always used (those of @grpc/proto-loader with `longs: String,
 * enums: String, defaults: true`): camelCase fields, 64-bit integers as decimal strings,
 * enums by name, every absent field filled in on decode (scalars with their zero value,
 * repeated with [], maps with {}, messages with null), bytes as Buffer.
 *
 * @example
 *   const bytes = encodeMessage(schema, "runtime.v1.StopContainerRequest", { containerId: "x", timeout: 30 });
 *   decodeMessage(schema, "runtime.v1.StopContainerRequest", bytes)  // { containerId: "x", timeout: "30" }
 */
import type { FieldDef, ProtoSchema, ScalarType } from "./proto-schema.ts";

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

class Writer {
  buf = new Uint8Array(256);
  len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** A varint of a non-negative number below 2^53. */
  varint(n: number): void {
    this.reserve(10);
    while (n > 0x7f) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  /** A varint of any 64-bit pattern (negative int32/int64 take ten bytes). */
  varint64(n: bigint): void {
    let v = BigInt.asUintN(64, n);
    this.reserve(10);
    while (v > 0x7fn) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  fixed(n: bigint, size: 4 | 8): void {
    this.reserve(size);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.len, size);
    if (size === 4) dv.setUint32(0, Number(BigInt.asUintN(32, n)), true);
    else dv.setBigUint64(0, BigInt.asUintN(64, n), true);
    this.len += size;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function tag(w: Writer, no: number, wire: number): void {
  w.varint(no * 8 + wire);
}

function toBigInt(v: unknown, field: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  if (typeof v === "boolean") return v ? 1n : 0n;
  throw new TypeError(`${field}: ${JSON.stringify(v)} is not an integer`);
}

function isDefault(type: ScalarType | "enum", v: unknown): boolean {
  if (type === "string") return v === "";
  if (type === "bytes") return (v as Uint8Array).length === 0;
  if (type === "bool") return v === false;
  if (type === "double" || type === "float") return v === 0;
  return v === 0 || v === "0" || v === 0n;
}

function writeScalar(w: Writer, type: ScalarType, v: unknown, field: string): void {
  switch (type) {
    case "string":
      w.bytes(textEncoder.encode(String(v)));
      return;
    case "bytes":
      w.bytes(typeof v === "string" ? Buffer.from(v, "base64") : (v as Uint8Array));
      return;
    case "bool":
      w.varint(v ? 1 : 0);
      return;
    case "double": {
      w.fixed(0n, 8);
      new DataView(w.buf.buffer, w.buf.byteOffset + w.len - 8, 8).setFloat64(0, Number(v), true);
      return;
    }
    case "float": {
      w.fixed(0n, 4);
      new DataView(w.buf.buffer, w.buf.byteOffset + w.len - 4, 4).setFloat32(0, Number(v), true);
      return;
    }
    case "sint32":
    case "sint64": {
      const n = toBigInt(v, field);
      w.varint64(n >= 0n ? n * 2n : -n * 2n - 1n);
      return;
    }
    case "fixed32":
    case "sfixed32":
      w.fixed(toBigInt(v, field), 4);
      return;
    case "fixed64":
    case "sfixed64":
      w.fixed(toBigInt(v, field), 8);
      return;
    case "uint32":
      w.varint(Number(BigInt.asUintN(32, toBigInt(v, field))));
      return;
    case "int32":
      w.varint64(BigInt.asIntN(32, toBigInt(v, field)));
      return;
    default: // int64, uint64
      w.varint64(toBigInt(v, field));
  }
}

function wireOf(type: ScalarType | "enum"): number {
  if (type === "string" || type === "bytes") return WIRE_LEN;
  if (type === "double" || type === "fixed64" || type === "sfixed64") return WIRE_FIXED64;
  if (type === "float" || type === "fixed32" || type === "sfixed32") return WIRE_FIXED32;
  return WIRE_VARINT;
}

function enumNumber(schema: ProtoSchema, f: FieldDef, v: unknown): number {
  if (typeof v === "number") return v;
  const n = schema.enums.get(f.type)!.byName.get(String(v));
  if (n === undefined) throw new TypeError(`${f.name}: "${String(v)}" is not a value of ${f.type}`);
  return n;
}

function writeMessage(schema: ProtoSchema, w: Writer, type: string, obj: Record<string, unknown>): void {
  const def = schema.messages.get(type);
  if (!def) throw new TypeError(`unknown message ${type}`);
  for (const f of def.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.mapKey !== undefined) {
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        if (val === undefined || val === null) continue;
        const entry = new Writer();
        tag(entry, 1, wireOf(f.mapKey));
        writeScalar(entry, f.mapKey, k, f.name);
        writeValue(schema, entry, f, 2, val);
        tag(w, f.no, WIRE_LEN);
        w.bytes(entry.finish());
      }
    } else if (f.repeated) {
      const items = v as unknown[];
      if (!Array.isArray(items)) throw new TypeError(`${f.name}: expected a list`);
      const packable = f.kind === "enum" || (f.kind === "scalar" && f.type !== "string" && f.type !== "bytes");
      if (packable && items.length > 0) {
        const packed = new Writer();
        for (const item of items) {
          if (f.kind === "enum") packed.varint64(BigInt(enumNumber(schema, f, item)));
          else writeScalar(packed, f.type as ScalarType, item, f.name);
        }
        tag(w, f.no, WIRE_LEN);
        w.bytes(packed.finish());
      } else {
        for (const item of items) writeValue(schema, w, f, f.no, item);
      }
    } else if (f.kind === "message") {
      writeValue(schema, w, f, f.no, v);
    } else {
      const n = f.kind === "enum" ? enumNumber(schema, f, v) : v;
      if (isDefault(f.kind === "enum" ? "enum" : (f.type as ScalarType), n)) continue;
      writeValue(schema, w, f, f.no, v);
    }
  }
}

function writeValue(schema: ProtoSchema, w: Writer, f: FieldDef, no: number, v: unknown): void {
  if (f.kind === "message") {
    const inner = new Writer();
    writeMessage(schema, inner, f.type, v as Record<string, unknown>);
    tag(w, no, WIRE_LEN);
    w.bytes(inner.finish());
  } else if (f.kind === "enum") {
    tag(w, no, WIRE_VARINT);
    w.varint64(BigInt(enumNumber(schema, f, v)));
  } else {
    tag(w, no, wireOf(f.type as ScalarType));
    writeScalar(w, f.type as ScalarType, v, f.name);
  }
}

/** Encodes `obj` as message `type` (a full name); throws TypeError for a value it cannot. */
export function encodeMessage(schema: ProtoSchema, type: string, obj: object): Uint8Array {
  const w = new Writer();
  writeMessage(schema, w, type, obj as Record<string, unknown>);
  return w.finish();
}

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

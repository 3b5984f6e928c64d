/**
 * Protobuf (proto3) encoding driven by the tables of proto-schema.ts, with the object
 * shapes the agent has always used (those of @grpc/proto-loader with `longs: String,
 * enums: String, defaults: true`): camelCase fields, 64-bit integers as decimal strings,
 * enums by name, bytes as Buffer; fields at their default are not written. proto-decode.ts
 * reads the same shapes back.
 *
 * @example
 *   const bytes = encodeMessage(schema, "runtime.v1.StopContainerRequest", { containerId: "x", timeout: 30 });
 *   decodeMessage(schema, "runtime.v1.StopContainerRequest", bytes)  // { containerId: "x", timeout: "30" }
 */
import type { FieldDef, ProtoSchema, ScalarType } from "./proto-schema.ts";
import { WIRE_LEN, WIRE_VARINT, wireOf } from "./proto-wire.ts";

const textEncoder = new TextEncoder();

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

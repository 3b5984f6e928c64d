/**
 * The few protobuf wire encodings the OpenAPI v2 document needs (proto3: scalars at their
 * default are left out, as Go's proto.Marshal does). A message is encoded bottom-up: a child
 * is finished first, then written into its parent as a length-delimited field.
 */
const utf8 = new TextEncoder();

export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(n: number): void {
    const out: number[] = [];
    // Field values here are non-negative and below 2^53 (lengths, counts, int64 limits).
    let v = n;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: 0 | 1 | 2): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, s: string | undefined): this {
    if (typeof s !== "string" || s === "") return this;
    return this.bytes(field, utf8.encode(s));
  }

  strings(field: number, list: unknown): this {
    if (Array.isArray(list)) for (const s of list) if (typeof s === "string") this.bytes(field, utf8.encode(s));
    return this;
  }

  bool(field: number, b: unknown): this {
    if (b !== true) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  /** A bool that is a oneof's arm: written even when false, since its presence is the choice. */
  oneofBool(field: number, b: boolean): this {
    this.tag(field, 0);
    this.varint(b ? 1 : 0);
    return this;
  }

  int64(field: number, n: unknown): this {
    if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) return this;
    this.tag(field, 0);
    this.varint(n);
    return this;
  }

  double(field: number, n: unknown): this {
    if (typeof n !== "number" || n === 0) return this;
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, n, true);
    this.tag(field, 1);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  /** A sub-message; written even when empty, since its presence may mean something (a oneof arm). */
  message(field: number, child: ProtoWriter | undefined): this {
    if (!child) return this;
    return this.bytes(field, child.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

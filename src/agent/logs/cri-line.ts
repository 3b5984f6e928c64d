/**
 * One record of a CRI log file: `<RFC3339Nano> <stdout|stderr> <F|P>[:more tags] <message>`.
 * containerd writes the time with trailing zeros trimmed (Go's RFC3339Nano) in its local
 * zone; `P` marks a piece of a long line that the next record continues. Parsing follows
 * the kubelet's `parseCRILog`: a record that does not parse is skipped, not fatal.
 */

export interface CriRecord {
  /** Nanoseconds since the epoch (beyond a JS number's precision, hence bigint). */
  time: bigint;
  /** The time as the kubelet prints it with `timestamps=true` (RFC3339NanoFixed). */
  timestamp: string;
  stream: "stdout" | "stderr";
  partial: boolean;
  /** The message; a full record's ends with its newline, a partial one's has none. */
  content: Buffer;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/** Parses an RFC 3339 time with up to nanosecond precision; undefined when it is not one. */
export function parseCriTime(s: string): { ns: bigint; fixed: string } | undefined {
  const m = TIME.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac = "", zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms)) return undefined;
  if (zone !== "Z") {
    const sign = zone![0] === "-" ? -1 : 1;
    ms -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6))) * 60_000;
  }
  const nanos = frac.padEnd(9, "0");
  // Go prints a zero offset as "Z" in the Z07:00 layout.
  const outZone = zone === "+00:00" || zone === "-00:00" ? "Z" : zone;
  return { ns: BigInt(ms) * 1_000_000n + BigInt(nanos), fixed: `${y}-${mo}-${d}T${h}:${mi}:${sec}.${nanos}${outZone}` };
}

/** `line` is one record as read from the file, with its trailing newline if it has one. */
export function parseCriRecord(line: Buffer): CriRecord | undefined {
  const a = line.indexOf(SPACE);
  if (a < 0) return undefined;
  const t = parseCriTime(line.subarray(0, a).toString("latin1"));
  if (!t) return undefined;
  const b = line.indexOf(SPACE, a + 1);
  if (b < 0) return undefined;
  const stream = line.subarray(a + 1, b).toString("latin1");
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const c = line.indexOf(SPACE, b + 1);
  if (c < 0) return undefined;
  // Tags are `:`-separated, the first is F or P; later ones are for forward compatibility.
  const partial = line.subarray(b + 1, c).toString("latin1").split(":")[0] === "P";
  let content = line.subarray(c + 1);
  if (partial && content.length && content[content.length - 1] === NEWLINE) content = content.subarray(0, content.length - 1);
  return { time: t.ns, timestamp: t.fixed, stream, partial, content };
}

/** Whether a record is a P piece, read from its tag alone (the tail search needs no more). */
export function isPartialRecord(line: Buffer): boolean {
  const a = line.indexOf(SPACE);
  const b = a < 0 ? -1 : line.indexOf(SPACE, a + 1);
  return b >= 0 && line[b + 1] === 0x50 /* P */ && (line[b + 2] === SPACE || line[b + 2] === 0x3a /* : */);
}

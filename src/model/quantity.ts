/**
 * Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1G`, `2e3`), following apimachinery's
 * resource.Quantity: the amount is kept exactly in nano-units (BigInt), which is Go's finest
 * scale, so cpu and memory add and compare without float error; `toString()` prints Go's
 * canonical form (`1.5` → `1500m`, `1024Mi` → `1Gi`, `1000` → `1k`).
 *
 * @example parseQuantity("1.5").toString() === "1500m"; parseQuantity("250m").milli() === 250n
 */
import { errors } from "./errors.ts";

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

const FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_WRONG = "unable to parse quantity's suffix";

// Go's scanner (parseQuantityString) in one pattern: sign, leading zeros, integer digits,
// optional fraction, suffix letters, optional signed exponent digits. Like Go it lets the
// number be empty, so "m", "+" and "." parse as zero.
const SCAN = /^([+-]?)0*([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXP = new Map(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

// Go accepts any int32 exponent, but 10^huge as a BigInt would stall the server on one request.
const MAX_EXPONENT = 1000;
const INT64_MAX = (1n << 63n) - 1n;
const NANO = 1_000_000_000n;

const abs = (n: bigint) => (n < 0n ? -n : n);
/** Division rounding away from zero, as Go's inf.RoundUp and ScaledValue do. */
function divUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : n < 0n ? q - 1n : q + 1n;
}

interface Suffix {
  base: 10 | 2;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(s: string): Suffix | undefined {
  if (s in DECIMAL) return { base: 10, exponent: DECIMAL[s]!, format: "DecimalSI" };
  if (s in BINARY) return { base: 2, exponent: BINARY[s]!, format: "BinarySI" };
  if (s.length > 1 && (s[0] === "e" || s[0] === "E") && /^[-+]?[0-9]+$/.test(s.slice(1))) {
    return { base: 10, exponent: Number(s.slice(1)), format: "DecimalExponent" };
  }
  return undefined;
}

const PARSED_TEXTS_KEPT = 4096;
const parsedTexts = new Map<string, Quantity>();

export class Quantity {
  private constructor(
    /** The amount in nano-units (value × 10^9). */
    readonly nanos: bigint,
    readonly format: QuantityFormat,
    private text?: string,
  ) {}

  /**
   * A quantity's text, parsed once: a cluster uses a few dozen distinct ones ("100m", "128Mi"),
   * and each pod write parsed its requests and limits again for defaulting (its QoS class) and
   * for the scheduler's cache — a few µs of regular expression and BigInt each. A Quantity
   * never changes, so one instance serves every reader. An invalid text is not remembered.
   */
  static parse(input: string | number): Quantity {
    const key = typeof input === "string" ? input : String(input);
    let q = parsedTexts.get(key);
    if (q) return q;
    q = Quantity.parseText(key);
    // Bounded: texts a client makes up cannot grow it past this.
    if (parsedTexts.size >= PARSED_TEXTS_KEPT) parsedTexts.clear();
    parsedTexts.set(key, q);
    return q;
  }

  private static parseText(input: string): Quantity {
    const str = input.trim(); // Go's UnmarshalJSON trims too
    if (str === "") throw errors.badRequest(FORMAT_WRONG);
    if (str === "0") return new Quantity(0n, "DecimalSI", "0");
    const m = SCAN.exec(str);
    if (!m) throw errors.badRequest(FORMAT_WRONG);
    const [, sign, intDigits, fracDigits = "", suffixText] = m as unknown as [string, string, string, string | undefined, string];
    const suffix = interpretSuffix(suffixText);
    if (!suffix || Math.abs(suffix.exponent) > MAX_EXPONENT) throw errors.badRequest(SUFFIX_WRONG);
    const negative = sign === "-";
    const num = intDigits || "0";
    const shifted = num + fracDigits; // the digits without the point
    const digits = BigInt(shifted);

    // |value| = digits × 10^-len(frac) × base^exponent, rounded up to whole nano-units.
    let numerator = digits * (suffix.base === 2 ? 1n << BigInt(suffix.exponent) : 1n);
    let exp10 = -fracDigits.length + (suffix.base === 10 ? suffix.exponent : 0) + 9;
    let magnitude = exp10 >= 0 ? numerator * 10n ** BigInt(exp10) : divUp(numerator, 10n ** BigInt(-exp10));
    let format = suffix.format;
    if (format === "BinarySI") {
      // Go caps binary amounts at the int64 maximum and prints fractions of one in decimal.
      if (magnitude > INT64_MAX * NANO) magnitude = INT64_MAX * NANO;
      if (magnitude > 0n && magnitude < NANO) format = "DecimalSI";
    }
    const nanos = negative ? -magnitude : magnitude;
    return new Quantity(nanos, format, reusableText(str, suffix, num, fracDigits, shifted, digits));
  }

  static zero(format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(0n, format);
  }

  static fromMillis(millis: bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(millis * 1_000_000n, format);
  }

  /** Whole units (cores, bytes), e.g. for a node's capacity in bytes with `"BinarySI"`. */
  static fromValue(value: bigint | number, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(value) * NANO, format);
  }

  /** Value × 1000, rounded away from zero (Go's MilliValue): `1n` → 1, `100m` → 100. */
  milli(): bigint {
    return divUp(this.nanos, 1_000_000n);
  }

  /** Whole units, rounded away from zero (Go's Value): `100m` → 1. */
  value(): bigint {
    return divUp(this.nanos, NANO);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** A new sum; like Go's Add it keeps this format unless this is zero. */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  toString(): string {
    this.text ??= canonical(this.nanos, this.format);
    return this.text;
  }

  toJSON(): string {
    return this.toString();
  }
}

/**
 * Go keeps the caller's text when its fast path sees it is already canonical (an int64 amount
 * with a scale that is a multiple of three and no trailing "000"), so `1.500` and `+1` print
 * back as given. Mirrors the conditions in ParseQuantity.
 */
function reusableText(str: string, suffix: Suffix, num: string, frac: string, shifted: string, digits: bigint): string | undefined {
  if (suffix.base === 10) {
    if (18 - (num.length + frac.length) < 0) return undefined;
    const scale = suffix.exponent - frac.length;
    if (scale < -9 || digits > INT64_MAX) return undefined;
    return scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0" ? str : undefined;
  }
  if (frac.length > 0) return undefined;
  if (15 - num.length - Math.trunc((suffix.exponent * 3) / 10) - 1 < 0) return undefined;
  if (digits << BigInt(suffix.exponent) > INT64_MAX) return undefined;
  return (digits & 7n) !== 0n ? str : undefined;
}

/** Go's CanonicalizeBytes. */
function canonical(nanos: bigint, format: QuantityFormat): string {
  if (nanos === 0n) return "0";
  if (format === "BinarySI" && abs(nanos) >= 1024n * NANO && nanos % NANO === 0n) {
    let amount = nanos / NANO;
    let k = 0;
    while (k < BINARY_SUFFIXES.length - 1 && amount % 1024n === 0n) {
      amount /= 1024n;
      k++;
    }
    return `${amount}${BINARY_SUFFIXES[k]}`;
  }
  // Decimal: strip factors of ten, then lower the exponent to a multiple of three.
  let amount = nanos;
  let exponent = -9;
  while (amount % 10n === 0n) {
    amount /= 10n;
    exponent++;
  }
  while (((exponent % 3) + 3) % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  if (format === "DecimalExponent") return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  // Beyond E there is no SI suffix; Go would drop it, we print in E instead.
  while (exponent > 18) {
    amount *= 1000n;
    exponent -= 3;
  }
  return `${amount}${DECIMAL_BY_EXP.get(exponent)}`;
}

/** Parses like Go's resource.ParseQuantity; bad input throws a 400 with Go's message. */
export function parseQuantity(s: string | number): Quantity {
  return Quantity.parse(s);
}

export function isQuantity(s: unknown): boolean {
  if (typeof s !== "string" && typeof s !== "number") return false;
  try {
    Quantity.parse(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1G`, `2e3`): parsed exactly into
 * thousandths of a unit as a BigInt, so cpu (millicores) and memory (bytes) add and compare
 * without float error. Fractions below a milli-unit round up, as Quantity.MilliValue does.
 */
import { errors } from "./errors.ts";

const PATTERN = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export class Quantity {
  private constructor(readonly millis: bigint, readonly text: string) {}

  static parse(input: string | number): Quantity {
    const text = String(input).trim();
    const m = text.match(PATTERN);
    const bad = () => errors.badRequest(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    if (!m || (m[1]!.match(/\./g)?.length ?? 0) > 1 || m[1] === "." || m[1] === "+" || m[1] === "-") throw bad();
    const [, num, suffix] = m as unknown as [string, string, string];
    const neg = num.startsWith("-");
    const digits = num.replace(/^[+-]/, "");
    const [intPart, frac = ""] = digits.split(".");
    let mant = BigInt((intPart || "0") + frac);
    let exp10 = -frac.length; // value = mant * 10^exp10 * binaryMult
    let mult = 1n;
    if (suffix in BINARY) mult = BINARY[suffix]!;
    else if (suffix in DECIMAL_EXP) exp10 += DECIMAL_EXP[suffix]!;
    else if (/^[eE][-+]?[0-9]+$/.test(suffix)) exp10 += Number(suffix.slice(1));
    else throw bad();
    mant *= mult;
    // millis = mant * 10^(exp10 + 3), rounded up (away from zero for positives).
    const e = exp10 + 3;
    let millis: bigint;
    if (e >= 0) millis = mant * 10n ** BigInt(e);
    else {
      const div = 10n ** BigInt(-e);
      millis = mant / div + (mant % div === 0n ? 0n : 1n);
    }
    return new Quantity(neg ? -millis : millis, text);
  }

  /** Value in whole units, rounded up (bytes for memory, cores for cpu). */
  value(): bigint {
    const q = this.millis / 1000n;
    return this.millis % 1000n > 0n ? q + 1n : q;
  }

  milli(): bigint {
    return this.millis;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.millis + other.millis, "");
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.millis < other.millis ? -1 : this.millis > other.millis ? 1 : 0;
  }

  static zero(): Quantity {
    return new Quantity(0n, "0");
  }

  static fromMillis(millis: bigint): Quantity {
    return new Quantity(millis, "");
  }
}

export function isQuantity(s: unknown): boolean {
  try {
    Quantity.parse(s as string);
    return true;
  } catch {
    return false;
  }
}

/**
 * Go's `time.ParseDuration` (`5m`, `1h30m`, `300ms`, `1.5s`, `-2h`, `0`), in milliseconds, for
 * fields and flags that Kubernetes spells as Go durations. Sub-millisecond units give fractions.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3, // U+00B5 micro sign
  "μs": 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM = /([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/y;

/** @example parseGoDuration("1h30m") === 5_400_000 */
export function parseGoDuration(s: string): number {
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest[0] === "-" ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0; // Go's one unitless special case
  if (rest === "") throw invalid();
  let total = 0;
  let pos = 0;
  while (pos < rest.length) {
    TERM.lastIndex = pos;
    const m = TERM.exec(rest);
    if (!m || m[0] === "") throw invalid();
    const [, whole = "", frac, unit = ""] = m;
    // Go requires a digit on at least one side of the point: ".5s" and "5.s" pass, ".s" does not.
    if (whole === "" && (frac === undefined || frac === "")) throw invalid();
    if (unit === "") throw new Error(`time: missing unit in duration ${JSON.stringify(s)}`);
    const ms = UNIT_MS[unit];
    if (ms === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}`);
    total += Number(`${whole || "0"}.${frac ?? ""}0`) * ms;
    pos = TERM.lastIndex;
  }
  return sign * total;
}

const NS_PER_S = 1_000_000_000n;

/** `value / 10^digits` with the fraction's trailing zeros dropped, as Go's fmtFrac leaves it. */
function withFraction(value: bigint, digits: number): string {
  const unit = 10n ** BigInt(digits);
  const frac = (value % unit).toString().padStart(digits, "0").replace(/0+$/, "");
  return `${value / unit}${frac ? `.${frac}` : ""}`;
}

/**
 * Go's `time.Duration.String()` for a duration in milliseconds (fractions down to the
 * nanosecond), as Kubernetes serializes metav1.Duration fields: `15.012s`, `1m0.5s`, `1h0m0s`,
 * `1.5ms`, `0s`.
 *
 * @example formatGoDuration(15_012) === "15.012s"
 */
export function formatGoDuration(ms: number): string {
  let ns = BigInt(Math.round(ms * 1e6));
  const sign = ns < 0n ? "-" : "";
  if (ns < 0n) ns = -ns;
  if (ns === 0n) return "0s";
  if (ns < 1000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${withFraction(ns, 3)}µs`;
  if (ns < NS_PER_S) return `${sign}${withFraction(ns, 6)}ms`;
  const secs = ns / NS_PER_S;
  let out = `${withFraction((secs % 60n) * NS_PER_S + (ns % NS_PER_S), 9)}s`;
  if (secs >= 60n) out = `${(secs / 60n) % 60n}m${out}`;
  if (secs >= 3600n) out = `${secs / 3600n}h${out}`;
  return sign + out;
}

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

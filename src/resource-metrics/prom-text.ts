/**
 * The Prometheus text exposition format (0.0.4), as far as the kubelet's `/metrics/resource`
 * uses it: `name{label="value",…} value timestamp-ms`, `# HELP` / `# TYPE` lines.
 *
 * Written by hand: prom-client (our `/metrics` library) dropped per-sample timestamps in v12,
 * and the resource endpoint's consumers (metrics-server, our scraper) rely on them — a CPU
 * rate needs the moment each cumulative reading was taken, not the moment it was scraped.
 *
 * @example
 *   renderFamily({ name: "node_cpu_usage_seconds_total", help: "…", type: "counter",
 *     samples: [{ labels: {}, value: 12.5, timestampMs: 1700000000000 }] });
 *   parsePromText("node_cpu_usage_seconds_total 12.5 1700000000000\n");
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Unix milliseconds; absent when the line carries none. */
  timestampMs?: number;
}

export interface PromFamily {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: Omit<PromSample, "name">[];
}

export class PromParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "PromParseError";
  }
}

/**
 * A float as Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes it, which is what the kubelet
 * (client_golang's expfmt) puts on the wire: shortest digits, exponent form from 1e+06 up and
 * below 1e-04 (`1.7547264e+07`, `37.603542`, `1e-05`).
 */
export function formatPromFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa, expText] = v.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  // Between 1e-4 and 1e6 JavaScript's shortest form is plain decimal, as Go's %f is.
  return String(v);
}

const escapeLabel = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function renderLabels(labels: Record<string, string>): string {
  // client_golang sorts label pairs by name; consumers that search the text for `pod="` don't care, diff readers do.
  const names = Object.keys(labels).sort();
  if (names.length === 0) return "";
  return `{${names.map((n) => `${n}="${escapeLabel(labels[n]!)}"`).join(",")}}`;
}

/** One metric family: HELP, TYPE, then its samples in the order given. Empty families print nothing. */
export function renderFamily(f: PromFamily): string {
  if (f.samples.length === 0) return "";
  let out = `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
  for (const s of f.samples) {
    out += `${f.name}${renderLabels(s.labels)} ${formatPromFloat(s.value)}${s.timestampMs === undefined ? "" : ` ${Math.trunc(s.timestampMs)}`}\n`;
  }
  return out;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: number): number {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const v = Number(text);
  if (text === "" || Number.isNaN(v)) throw new PromParseError(line, `invalid value ${JSON.stringify(text)}`);
  return v;
}

/** Every sample in a text exposition; comments and blank lines are skipped, anything malformed throws PromParseError. */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    out.push(parseSampleLine(line, i + 1));
  }
  return out;
}

function parseSampleLine(line: string, n: number): PromSample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new PromParseError(n, "expected a metric name");
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === "{") {
    pos++;
    for (;;) {
      while (line[pos] === " ") pos++;
      if (line[pos] === "}") {
        pos++;
        break;
      }
      const label = LABEL_NAME.exec(line.slice(pos))?.[0];
      if (!label) throw new PromParseError(n, "expected a label name");
      pos += label.length;
      if (line[pos] !== "=" || line[pos + 1] !== '"') throw new PromParseError(n, `expected ="…" after label ${label}`);
      pos += 2;
      let value = "";
      for (;;) {
        const c = line[pos++];
        if (c === undefined) throw new PromParseError(n, `unterminated value of label ${label}`);
        if (c === '"') break;
        if (c === "\\") {
          const e = line[pos++];
          value += e === "n" ? "\n" : e === undefined ? "" : e;
        } else value += c;
      }
      labels[label] = value;
      while (line[pos] === " ") pos++;
      if (line[pos] === ",") pos++;
      else if (line[pos] !== "}") throw new PromParseError(n, "expected , or } after a label");
    }
  }
  const rest = line.slice(pos).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === "") throw new PromParseError(n, "expected a value and an optional timestamp");
  const sample: PromSample = { name, labels, value: parseValue(rest[0]!, n) };
  if (rest.length === 2) {
    const ts = Number(rest[1]);
    if (!Number.isInteger(ts)) throw new PromParseError(n, `invalid timestamp ${JSON.stringify(rest[1])}`);
    sample.timestampMs = ts;
  }
  return sample;
}

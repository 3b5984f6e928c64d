/**
 * Go's time.ParseDuration, which Kubernetes flags and manifests use ("40s", "1h30m", "500ms"),
 * returning milliseconds. Throws a plain Error naming the text.
 */
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  const body = text.startsWith("-") || text.startsWith("+") ? text.slice(1) : text;
  if (body === "0") return 0;
  let ms = 0;
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const m = re.exec(body);
    if (!m) throw new Error(`time: invalid duration "${text}"`);
    ms += Number(m[1]) * UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  if (!body) throw new Error(`time: invalid duration "${text}"`);
  return text.startsWith("-") ? -ms : ms;
}

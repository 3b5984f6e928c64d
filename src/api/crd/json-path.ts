/**
 * The JSONPath subset CustomResourceDefinitions use in printer columns and that the apiserver
 * accepts there (k8s.io/client-go/util/jsonpath, without ranges and functions): `.a.b`,
 * `['a.b']`, `[0]`, `[-1]`, `[*]`, and filters `[?(@.type=="Ready")]`; an optional `{…}` wrapper.
 * Hand-written: the npm JSONPath packages take `$`-rooted paths with another filter syntax
 * (and evaluate script), neither of which kubectl's form is.
 */

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "all" }
  | { kind: "filter"; path: string[]; op: "==" | "!="; value: string | number | boolean };

export interface JsonPath {
  steps: Step[];
  error?: string;
}

const FIELD = /^\.([A-Za-z0-9_\-/]+)/;
const QUOTED = /^\[\s*'([^']*)'\s*\]/;
const INDEX = /^\[\s*(-?\d+)\s*\]/;
const ALL = /^(\[\s*\*\s*\]|\.\*)/;
const FILTER = /^\[\?\(\s*@((?:\.[A-Za-z0-9_\-/]+)+)\s*(==|!=)\s*('[^']*'|"[^"]*"|-?\d+(?:\.\d+)?|true|false)\s*\)\]/;

/** Parses `text`; `error` says why it cannot be followed (the CRD is refused for it). */
export function parseJsonPath(text: string): JsonPath {
  let rest = text.trim();
  if (rest.startsWith("{") && rest.endsWith("}")) rest = rest.slice(1, -1).trim();
  if (rest === "" || rest[0] !== "." && rest[0] !== "[") return { steps: [], error: "must be a simple json path starting with ." };
  const steps: Step[] = [];
  while (rest.length) {
    let m: RegExpExecArray | null;
    if ((m = ALL.exec(rest))) steps.push({ kind: "all" });
    else if ((m = FIELD.exec(rest))) steps.push({ kind: "field", name: m[1]! });
    else if ((m = QUOTED.exec(rest))) steps.push({ kind: "field", name: m[1]! });
    else if ((m = INDEX.exec(rest))) steps.push({ kind: "index", index: Number(m[1]) });
    else if ((m = FILTER.exec(rest))) {
      const raw = m[3]!;
      const value = /^['"]/.test(raw) ? raw.slice(1, -1) : raw === "true" ? true : raw === "false" ? false : Number(raw);
      steps.push({ kind: "filter", path: m[1]!.slice(1).split("."), op: m[2] as "==" | "!=", value });
    } else return { steps: [], error: `unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'` };
    rest = rest.slice(m[0].length);
  }
  return { steps };
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every value `path` reaches in `obj` (none when a step finds nothing). */
export function evaluateJsonPath(path: JsonPath, obj: unknown): unknown[] {
  let current: unknown[] = [obj];
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (step.kind === "field") {
        if (isMap(v) && v[step.name] !== undefined) next.push(v[step.name]);
      } else if (step.kind === "index") {
        if (Array.isArray(v)) {
          const i = step.index < 0 ? v.length + step.index : step.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if (step.kind === "all") {
        if (Array.isArray(v)) next.push(...v);
        else if (isMap(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const k of step.path) x = isMap(x) ? x[k] : undefined;
          const equal = x === step.value || (typeof step.value === "number" && x === String(step.value));
          if (step.op === "==" ? equal : !equal && x !== undefined) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

/**
 * kubectl's JSONPath templates (client-go `util/jsonpath`), for `-o jsonpath=…`,
 * `-o custom-columns=…` and `wait --for=jsonpath=…`. Written here because they are not the
 * JSONPath of the npm libraries: text with `{…}` actions, `range`/`end`, string literals
 * (`{"\n"}`), results joined by spaces, maps and lists printed as Go's json.Marshal prints
 * them (keys sorted, `<>&` escaped), strings bare.
 *
 * @example
 *   new JsonPath("{range .items[*]}{.metadata.name}{\"\\n\"}{end}").execute(list) // "a\nb\n"
 */

type Step =
  | { t: "field"; names: string[] } // `.a`, `['a','b']`, `.*`
  | { t: "recursive" } // `..`
  | { t: "index"; start?: number; end?: number; step?: number; single: boolean } // `[0]`, `[1:3]`, `[*]`
  | { t: "filter"; left: Step[]; op?: string; right?: Step[] | { literal: unknown } }
  | { t: "union"; branches: Step[][] }
  | { t: "root" }
  | { t: "literal"; value: unknown };

type Node = { t: "text"; text: string } | { t: "path"; steps: Step[] } | { t: "range"; steps: Step[]; body: Node[] };

export class JsonPathError extends Error {}

export class JsonPath {
  private readonly nodes: Node[];

  constructor(
    readonly template: string,
    private readonly o: { allowMissingKeys?: boolean } = {},
  ) {
    this.nodes = parseTemplate(template);
  }

  /** The template's text for `data`. */
  execute(data: unknown): string {
    return this.run(this.nodes, data, data);
  }

  /** Each `{…}` action's results, for custom-columns and wait (which look at values, not text). */
  values(data: unknown): unknown[][] {
    return this.nodes.filter((n): n is Extract<Node, { t: "path" }> => n.t === "path").map((n) => this.eval(n.steps, [data], data));
  }

  private run(nodes: Node[], cur: unknown, root: unknown): string {
    let out = "";
    for (const n of nodes) {
      if (n.t === "text") out += n.text;
      else if (n.t === "path") out += printResults(this.eval(n.steps, [cur], root));
      else for (const item of this.eval(n.steps, [cur], root)) out += this.run(n.body, item, root);
    }
    return out;
  }

  private eval(steps: Step[], input: unknown[], root: unknown): unknown[] {
    let cur = input;
    for (const s of steps) cur = this.step(s, cur, root);
    return cur;
  }

  private step(s: Step, input: unknown[], root: unknown): unknown[] {
    const out: unknown[] = [];
    switch (s.t) {
      case "root":
        return [root];
      case "literal":
        return [s.value];
      case "recursive":
        for (const v of input) collect(v, out);
        return out;
      case "union":
        for (const b of s.branches) out.push(...this.eval(b, input, root));
        return out;
      case "field":
        for (const v of input) {
          if (!isMap(v)) {
            if (v === undefined || v === null) continue;
            // Missing keys are tolerated on lists of maps only by recursion; elsewhere Go fails alike.
            if (this.o.allowMissingKeys) continue;
            throw new JsonPathError(`${s.names[0]} is not found`);
          }
          for (const name of s.names) {
            if (name === "*") out.push(...Object.keys(v).sort().map((k) => v[k]));
            else if (name in v) out.push(v[name]);
            else if (!this.o.allowMissingKeys) throw new JsonPathError(`${name} is not found`);
          }
        }
        return out;
      case "index":
        for (const v of input) {
          if (!Array.isArray(v)) {
            if (this.o.allowMissingKeys) continue;
            throw new JsonPathError(`${JSON.stringify(v)} is not array or slice`);
          }
          const len = v.length;
          if (s.single) {
            const i = s.start! < 0 ? s.start! + len : s.start!;
            if (i < 0 || i >= len) {
              if (this.o.allowMissingKeys) continue;
              throw new JsonPathError(`array index out of bounds: index ${s.start}, length ${len}`);
            }
            out.push(v[i]);
            continue;
          }
          const clamp = (x: number) => Math.min(Math.max(x < 0 ? x + len : x, 0), len);
          const start = s.start === undefined ? 0 : clamp(s.start);
          const end = s.end === undefined ? len : clamp(s.end);
          const step = s.step ?? 1;
          if (step <= 0) throw new JsonPathError(`step must be > 0`);
          for (let i = start; i < end; i += step) out.push(v[i]);
        }
        return out;
      case "filter":
        for (const v of input) {
          const items = Array.isArray(v) ? v : isMap(v) ? [v] : [];
          for (const item of items) {
            const left = safeEval(() => this.eval(s.left, [item], root));
            if (!s.op) {
              if (left.length && left.some((x) => x !== undefined)) out.push(item);
              continue;
            }
            const right = s.right && "literal" in s.right ? [s.right.literal] : safeEval(() => this.eval(s.right as Step[], [item], root));
            if (left.length === 0 || right.length === 0) continue;
            if (compare(left[0], s.op, right[0])) out.push(item);
          }
        }
        return out;
    }
  }
}

function safeEval(f: () => unknown[]): unknown[] {
  try {
    return f();
  } catch (e) {
    if (e instanceof JsonPathError) return [];
    throw e;
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** Every value under `v`, itself first, depth first, map keys sorted (Go's evalRecursive). */
function collect(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (isMap(v)) for (const k of Object.keys(v).sort()) collect(v[k], out);
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") {
    switch (op) {
      case "==": return a === b;
      case "!=": return a !== b;
      case "<": return a < b;
      case ">": return a > b;
      case "<=": return a <= b;
      case ">=": return a >= b;
    }
  }
  const x = typeof a === "string" ? a : JSON.stringify(a);
  const y = typeof b === "string" ? b : JSON.stringify(b);
  switch (op) {
    case "==": return x === y;
    case "!=": return x !== y;
  }
  throw new JsonPathError(`${op} is not supported for ${typeof a} and ${typeof b}`);
}

/** Go's PrintResults: maps and lists as compact JSON, the rest as text, separated by spaces. */
export function printResults(values: unknown[]): string {
  return values.map(textOf).join(" ");
}

export function textOf(v: unknown): string {
  if (v === undefined) return "";
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "object") return goJson(v);
  return String(v);
}

/** Go's json.Marshal: map keys sorted, `<`, `>` and `&` escaped as \u003c, \u003e, \u0026. */
export function goJson(v: unknown): string {
  const esc = (s: string) => JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return esc(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(",")}]`;
  if (typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${esc(k)}:${goJson((v as any)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

// ---- parsing -------------------------------------------------------------------------

function parseTemplate(src: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf("{", i);
    if (open < 0) {
      stack[stack.length - 1]!.push({ t: "text", text: src.slice(i) });
      break;
    }
    if (open > i) stack[stack.length - 1]!.push({ t: "text", text: src.slice(i, open) });
    const close = findClose(src, open);
    const inner = src.slice(open + 1, close).trim();
    i = close + 1;
    if (inner === "end") {
      if (stack.length === 1) throw new JsonPathError("not in range, nothing to end");
      stack.pop();
      continue;
    }
    if (inner.startsWith("range ")) {
      const body: Node[] = [];
      stack[stack.length - 1]!.push({ t: "range", steps: parsePath(inner.slice(6).trim()), body });
      stack.push(body);
      continue;
    }
    stack[stack.length - 1]!.push({ t: "path", steps: parsePath(inner) });
  }
  if (stack.length > 1) throw new JsonPathError("unclosed action");
  return root;
}

/** The `}` closing the action at `open`, skipping quoted strings. */
function findClose(src: string, open: number): number {
  let q: string | undefined;
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i]!;
    if (q) {
      if (c === "\\") i++;
      else if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === "}") return i;
  }
  throw new JsonPathError("unclosed action");
}

/** One action's path: `.a.b[0]`, `..name`, `$.x`, `@.y`, `"text"`, `['a','b']`, `[?(@.k=="v")]`. */
function parsePath(src: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const s = src.trim();
  if (s.startsWith('"') || s.startsWith("'")) return [{ t: "literal", value: unquote(s) }];
  while (i < s.length) {
    const c = s[i]!;
    if (c === "$") {
      steps.push({ t: "root" });
      i++;
    } else if (c === "@") i++;
    else if (s.startsWith("..", i)) {
      steps.push({ t: "recursive" });
      i += 2;
      const m = /^[\w\-/*]+/.exec(s.slice(i));
      if (m) {
        steps.push({ t: "field", names: [m[0]] });
        i += m[0].length;
      }
    } else if (c === ".") {
      i++;
      const m = /^[^.[\]\s]+/.exec(s.slice(i));
      if (m) {
        steps.push({ t: "field", names: [m[0]] });
        i += m[0].length;
      }
    } else if (c === "[") {
      const end = matchBracket(s, i);
      steps.push(parseBracket(s.slice(i + 1, end).trim()));
      i = end + 1;
    } else if (/\s/.test(c)) i++;
    else {
      const m = /^[^.[\]\s]+/.exec(s.slice(i))!;
      steps.push({ t: "field", names: [m[0]] });
      i += m[0].length;
    }
  }
  return steps;
}

function matchBracket(s: string, open: number): number {
  let depth = 0;
  let q: string | undefined;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === "\\") i++;
      else if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  throw new JsonPathError(`unterminated array`);
}

function parseBracket(inner: string): Step {
  if (inner === "*") return { t: "index", single: false };
  if (inner.startsWith("?")) {
    const m = /^\?\s*\((.*)\)$/s.exec(inner);
    if (!m) throw new JsonPathError(`unrecognized filter ${inner}`);
    const body = m[1]!.trim();
    const op = /(==|!=|<=|>=|<|>)/.exec(stripQuoted(body));
    if (!op) return { t: "filter", left: parsePath(body) };
    const left = body.slice(0, op.index).trim();
    const right = body.slice(op.index + op[0].length).trim();
    return { t: "filter", left: parsePath(left), op: op[0], right: literalOrPath(right) };
  }
  if (/^-?\d*(:-?\d*){0,2}$/.test(inner)) {
    const parts = inner.split(":");
    const num = (x?: string) => (x === undefined || x === "" ? undefined : Number(x));
    if (parts.length === 1) return { t: "index", start: Number(parts[0]), single: true };
    return { t: "index", start: num(parts[0]), end: num(parts[1]), step: num(parts[2]), single: false };
  }
  const branches = splitTopLevel(inner, ",");
  const fields = branches.map((b) => b.trim()).map((b) => (b.startsWith("'") || b.startsWith('"') ? unquote(b) : undefined));
  if (fields.every((f) => f !== undefined)) return { t: "field", names: fields as string[] };
  return { t: "union", branches: branches.map((b) => parsePath(b.trim())) };
}

function literalOrPath(text: string): Step[] | { literal: unknown } {
  if (text.startsWith('"') || text.startsWith("'")) return { literal: unquote(text) };
  if (/^-?\d+(\.\d+)?$/.test(text)) return { literal: Number(text) };
  if (text === "true" || text === "false") return { literal: text === "true" };
  return parsePath(text);
}

/** The text with quoted parts blanked, so operators inside strings are not seen. */
function stripQuoted(s: string): string {
  return s.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, (m) => " ".repeat(m.length));
}

function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let q: string | undefined;
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === "\\") i++;
      else if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === "[" || c === "(") depth++;
    else if (c === "]" || c === ")") depth--;
    else if (c === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** A quoted literal with Go's escapes (`\n`, `\t`, `\"`, `\\`). */
function unquote(s: string): string {
  const q = s[0];
  const body = s.slice(1, s.endsWith(q!) && s.length > 1 ? -1 : undefined);
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'" })[c] ?? c);
}

/** kubectl's RelaxedJSONPathExpression: `.a.b` or `a.b` → `{.a.b}`; a braced template stays. */
export function relaxedJsonPath(expr: string): string {
  const t = expr.trim();
  if (t.startsWith("{") && t.endsWith("}")) return t;
  if (t.startsWith("{") || t.endsWith("}")) throw new JsonPathError(`unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'`);
  return `{${t.startsWith(".") ? t : `.${t}`}}`;
}

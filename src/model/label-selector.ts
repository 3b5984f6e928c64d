/**
 * Label selectors: the query syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and the
 * structured form objects carry (`matchLabels` + `matchExpressions`). Parsing follows
 * apimachinery's `labels.Parse` token for token, so the 400s read like the apiserver's.
 *
 * @example matchesRequirements(parseLabelSelector("app=web,tier"), { app: "web", tier: "x" }) === true
 */
import { errors } from "./errors.ts";
import { isQualifiedName, isValidLabelValue } from "./names.ts";

export type Operator = "=" | "!=" | "in" | "notin" | "exists" | "!";

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

type Tok = "end" | "id" | "in" | "notin" | "(" | ")" | "," | "!" | "=" | "==" | "!=" | ">" | "<";
interface Token {
  tok: Tok;
  lit: string;
}

const SPECIAL = new Set(["=", "!", "(", ")", ",", ">", "<"]);
const SYMBOLS = new Set(["=", "==", "!=", "!", "(", ")", ",", ">", "<"]);
const isSpace = (ch: string) => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
const BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

/** Go's Lexer: identifiers run to a symbol or blank; symbols are matched longest first. */
function lex(text: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isSpace(text[pos]!)) pos++;
    if (pos >= text.length) {
      out.push({ tok: "end", lit: "" });
      return out;
    }
    if (SPECIAL.has(text[pos]!)) {
      let lit = text[pos]!; // every single symbol is a token
      if (pos + 1 < text.length && SYMBOLS.has(lit + text[pos + 1])) lit += text[pos + 1];
      pos += lit.length;
      out.push({ tok: lit as Tok, lit });
      continue;
    }
    const start = pos;
    while (pos < text.length && !SPECIAL.has(text[pos]!) && !isSpace(text[pos]!)) pos++;
    const lit = text.slice(start, pos);
    out.push({ tok: lit === "in" || lit === "notin" ? lit : "id", lit });
  }
}

/** `field.Invalid(...).Error()` with Go's `%q` of a string. */
const fieldInvalid = (path: string, value: string, detail: string) => `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`;

/** Go's NewRequirement checks; the parser has no field path, so keys report as `<nil>`. */
function requirementErrors(key: string, op: Operator, values: string[], keyPath: string): string[] {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(fieldInvalid(keyPath, key, keyErrs.join("; ")));
  if ((op === "in" || op === "notin") && values.length === 0) errs.push("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");
  if ((op === "=" || op === "!=") && values.length !== 1) errs.push(`values: Invalid value: ${goStrings(values)}: exact-match compatibility requires one single value`);
  if ((op === "exists" || op === "!") && values.length !== 0) errs.push(`values: Invalid value: ${goStrings(values)}: values set must be empty for exists and does not exist`);
  values.forEach((v, i) => {
    const d = isValidLabelValue(v);
    if (d.length) errs.push(fieldInvalid(`values[${i}][${key}]`, v, d.join("; ")));
  });
  return errs;
}

const goStrings = (vs: string[]) => `[]string{${vs.map((v) => JSON.stringify(v)).join(", ")}}`;

/** Go's aggregate error text: one error as is, several deduplicated in brackets. */
function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(", ")}]`;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  /** In value position the keywords `in`/`notin` are plain identifiers (`x in (in)`). */
  private peek(): Token {
    const t = this.tokens[this.pos]!;
    return t.tok === "in" || t.tok === "notin" ? { tok: "id", lit: t.lit } : t;
  }
  private next(keywords = false): Token {
    const t = keywords ? this.tokens[this.pos]! : this.peek();
    this.pos++;
    return t;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === "end") return reqs;
      if (tok !== "id" && tok !== "!") throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const after = this.next();
      if (after.tok === "end") return reqs;
      if (after.tok !== ",") throw new Error(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.tok !== "id" && following.tok !== "!") throw new Error(`found '${following.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let t = this.next();
    let operator: Operator | undefined;
    if (t.tok === "!") {
      operator = "!";
      t = this.next();
    }
    if (t.tok !== "id") throw new Error(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new Error(fieldInvalid("<nil>", key, keyErrs.join("; ")));
    const ahead = this.peek().tok;
    if (operator === undefined && (ahead === "end" || ahead === ",")) operator = "exists";
    if (operator === "!" || operator === "exists") return { key, operator, values: [] };

    const op = this.next(true);
    let values: string[];
    switch (op.tok) {
      case "in":
      case "notin":
        operator = op.tok;
        values = this.valueSet();
        break;
      case "=":
      case "==":
      case "!=":
        operator = op.tok === "!=" ? "!=" : "=";
        values = this.exactValue();
        break;
      case ">":
      case "<":
        // Go also parses numeric gt/lt; nothing in Kubernetes' own objects needs them.
        throw new Error(`operator '${op.tok === ">" ? "gt" : "lt"}' is not supported`);
      default:
        throw new Error(`found '${op.lit}', expected: ${BINARY_OPERATORS}`);
    }
    const errs = requirementErrors(key, operator, values, "key");
    if (errs.length) throw new Error(aggregate(errs));
    return { key, operator, values };
  }

  /** `(a,b)`; like Go, `()` and empty members stand for the empty value. Sorted, deduplicated. */
  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== "(") throw new Error(`found '${open.lit}' expected: '('`);
    const first = this.peek();
    if (first.tok === ")") {
      this.next();
      return [""];
    }
    if (first.tok !== "id" && first.tok !== ",") throw new Error(`found '${first.lit}', expected: ',', ')' or identifier`);
    const set = new Set<string>();
    for (;;) {
      const t = this.next();
      if (t.tok === "id") {
        set.add(t.lit);
        const t2 = this.peek();
        if (t2.tok === ",") continue;
        if (t2.tok === ")") break;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (t.tok === ",") {
        if (set.size === 0) set.add("");
        const t2 = this.peek();
        if (t2.tok === ")") {
          set.add("");
          break;
        }
        if (t2.tok === ",") {
          this.next();
          set.add("");
        }
      } else {
        throw new Error(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
    const close = this.next();
    // Go reports the first member's text here, not the closing token's.
    if (close.tok !== ")") throw new Error(`found '${first.lit}', expected: ')'`);
    return [...set].sort();
  }

  private exactValue(): string[] {
    const ahead = this.peek();
    if (ahead.tok === "end" || ahead.tok === ",") return [""];
    const t = this.next();
    if (t.tok === "id") return [t.lit];
    throw new Error(`found '${t.lit}', expected: identifier`);
  }
}

const byKey = (a: Requirement, b: Requirement) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Parses a `labelSelector` query; "" selects everything. Bad syntax is a 400 with Go's text. */
export function parseLabelSelector(text: string): Requirement[] {
  try {
    return new Parser(lex(text)).parse().sort(byKey);
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case "=":
    case "in":
      return has && r.values.includes(labels[r.key]!);
    case "!=":
    case "notin":
      return !has || !r.values.includes(labels[r.key]!);
    case "exists":
      return has;
    case "!":
      return !has;
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Labels that are not a map (an object stored before write validation: `labels: "x"`) are
 * read as none, so a string's character indexes never pass for label keys.
 */
export function matchesRequirements(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = isMap(labels) ? labels : {};
  return reqs.every((r) => matches(r, l));
}

const EXPRESSION_OPERATORS: Record<string, Operator> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };

/**
 * The structured selector as requirements (metav1.LabelSelectorAsSelector), validated like Go.
 * A null/undefined selector gives [] — Go treats nil as "nothing" but an empty one as
 * "everything", so callers that care check for null themselves.
 */
export function fromLabelSelector(sel: LabelSelector | undefined | null): Requirement[] {
  if (!sel) return [];
  // A stored selector of the wrong shape must not read as "everything" (`matchLabels: 5` has no
  // entries): refused, as decoding it into a LabelSelector would be.
  if (!isMap(sel) || (sel.matchLabels != null && !isMap(sel.matchLabels)) || (sel.matchExpressions != null && !Array.isArray(sel.matchExpressions))) {
    throw errors.badRequest(`invalid label selector: ${JSON.stringify(sel)?.slice(0, 200)}`);
  }
  const reqs: Requirement[] = [];
  const add = (key: string, operator: Operator, values: string[]) => {
    const errs = requirementErrors(key, operator, values, "key");
    if (errs.length) throw errors.badRequest(aggregate(errs));
    reqs.push({ key, operator, values });
  };
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) add(key, "=", [String(value)]);
  for (const e of sel.matchExpressions ?? []) {
    if (!isMap(e) || typeof e.key !== "string" || (e.values != null && (!Array.isArray(e.values) || e.values.some((x) => typeof x !== "string")))) {
      throw errors.badRequest(`invalid label selector requirement: ${JSON.stringify(e)?.slice(0, 200)}`);
    }
    const operator = typeof e.operator === "string" && Object.hasOwn(EXPRESSION_OPERATORS, e.operator) ? EXPRESSION_OPERATORS[e.operator] : undefined;
    if (!operator) throw errors.badRequest(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    add(e.key, operator, [...(e.values ?? [])]);
  }
  return reqs.sort(byKey);
}

export function labelSelectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  return matchesRequirements(fromLabelSelector(sel), labels);
}

/** labels.Selector.String(): by key, set members sorted, `k in (a,b)`, `!k`. */
export function requirementsToString(reqs: Requirement[]): string {
  return [...reqs]
    .sort(byKey)
    .map((r) => {
      const vals = [...r.values].sort().join(",");
      switch (r.operator) {
        case "=":
          return `${r.key}=${vals}`;
        case "!=":
          return `${r.key}!=${vals}`;
        case "in":
          return `${r.key} in (${vals})`;
        case "notin":
          return `${r.key} notin (${vals})`;
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
      }
    })
    .join(",");
}

/** As Kubernetes prints a structured selector (Scale.status.selector, kubectl's SELECTOR column); {} → "". */
export function selectorToString(sel: LabelSelector | undefined | null): string {
  return requirementsToString(fromLabelSelector(sel));
}

/**
 * Field selectors (`metadata.name=x,status.phase!=Running`), parsed as apimachinery's
 * `fields.ParseSelector` does: terms split on unescaped commas, the first `!=`/`==`/`=` splits
 * a term, values unescape `\,` `\=` `\\`, and the errors are Go's (all 400s).
 *
 * @example matchesFields(parseFieldSelector("spec.nodeName="), (f) => pod.spec.nodeName) // unscheduled pods
 */
import { errors } from "./errors.ts";

export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

const OPERATORS = ["!=", "==", "="] as const;

/** Splits on commas not preceded by an escaping backslash; empty terms are kept (and skipped later). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** The first operator found scanning left to right wins; the field itself has no escapes. */
function splitTerm(term: string): { field: string; op: (typeof OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === "\\") inSlash = true;
    // Go formats the rune with %v, which prints its code point (61 for '=').
    else if (c === "," || c === "=") throw errors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw errors.badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Parses a `fieldSelector` query; "" selects everything. Terms come back sorted, as Go sorts them. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(text).sort()) {
    if (term === "") continue;
    const parts = splitTerm(term);
    if (!parts) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    reqs.push({ field: parts.field, operator: parts.op === "!=" ? "!=" : "=", value: unescapeValue(parts.rhs) });
  }
  return reqs;
}

/** Each kind supports a few fields (metadata.name, metadata.namespace, plus its own). */
export function checkFieldsSupported(reqs: FieldRequirement[], allowed: Set<string>): void {
  for (const r of reqs) {
    if (!allowed.has(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  }
}

/** `get` returns the object's value for a field; a missing one compares as "". */
export function matchesFields(reqs: FieldRequirement[], get: (field: string) => string | undefined): boolean {
  return reqs.every((r) => ((get(r.field) ?? "") === r.value) === (r.operator === "="));
}

/** Field selectors (`metadata.name=x,status.phase!=Running`), as the apiserver parses them. */
import { errors } from "./errors.ts";

export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

/** Splits on an unescaped separator; `\,` `\=` `\!` `\\` are escapes within values. */
function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\" && i + 1 < text.length) {
      cur += ch + text[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function unescape(v: string): string {
  return v.replace(/\\(.)/g, "$1");
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  if (text.trim() === "") return [];
  const reqs: FieldRequirement[] = [];
  for (const term of splitUnescaped(text, ",")) {
    const m = term.match(/^([^=!]+?)(!=|==|=)(.*)$/s);
    if (!m || m[1]!.trim() === "") throw errors.badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    reqs.push({ field: m[1]!.trim(), operator: m[2] === "!=" ? "!=" : "=", value: unescape(m[3]!) });
  }
  return reqs;
}

export function checkFieldsSupported(reqs: FieldRequirement[], allowed: Set<string>): void {
  for (const r of reqs) {
    if (!allowed.has(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  }
}

export function matchesFields(reqs: FieldRequirement[], get: (field: string) => string | undefined): boolean {
  for (const r of reqs) {
    const v = get(r.field) ?? "";
    if (r.operator === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/**
 * Label selectors: the query syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and the
 * structured form objects carry (`matchLabels` + `matchExpressions`).
 */
import { errors } from "./errors.ts";

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

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function bad(detail: string): never {
  throw errors.badRequest(`unable to parse requirement: ${detail}`);
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (depth !== 0) bad(`unbalanced parentheses in ${JSON.stringify(text)}`);
  out.push(cur);
  return out;
}

function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 317) bad(`found '${key}', expected: identifier`);
  return key;
}

function checkValue(v: string): string {
  if (v.length > 63 || !VALUE.test(v)) bad(`values[0]: Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return v;
}

export function parseLabelSelector(text: string): Requirement[] {
  if (text.trim() === "") return [];
  const reqs: Requirement[] = [];
  for (const raw of splitTerms(text)) {
    const term = raw.trim();
    if (term === "") bad(`found '', expected: identifier`);
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s*\((.*)\)$/))) {
      const values = m[3]!.split(",").map((v) => v.trim());
      if (values.length === 1 && values[0] === "") bad(`for 'in', 'notin' operators, values set can't be empty`);
      reqs.push({ key: checkKey(m[1]!), operator: m[2] as Operator, values: values.map(checkValue) });
    } else if ((m = term.match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/))) {
      const op: Operator = m[2] === "!=" ? "!=" : "=";
      reqs.push({ key: checkKey(m[1]!), operator: op, values: [checkValue(m[3]!.trim())] });
    } else if ((m = term.match(/^!\s*(\S+)$/))) {
      reqs.push({ key: checkKey(m[1]!), operator: "!", values: [] });
    } else if (/^\S+$/.test(term)) {
      reqs.push({ key: checkKey(term), operator: "exists", values: [] });
    } else {
      bad(`found ${JSON.stringify(term)}, expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return reqs;
}

export function matchesRequirements(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.operator) {
      case "=":
        if (!has || v !== r.values[0]) return false;
        break;
      case "!=":
        if (has && v === r.values[0]) return false;
        break;
      case "in":
        if (!has || !r.values.includes(v!)) return false;
        break;
      case "notin":
        if (has && r.values.includes(v!)) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The structured selector as requirements; null/undefined selects everything (callers decide). */
export function fromLabelSelector(sel: LabelSelector | undefined | null): Requirement[] {
  if (!sel) return [];
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, operator: "=", values: [String(value)] });
  for (const e of sel.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        reqs.push({ key: e.key, operator: "in", values });
        break;
      case "NotIn":
        reqs.push({ key: e.key, operator: "notin", values });
        break;
      case "Exists":
        reqs.push({ key: e.key, operator: "exists", values: [] });
        break;
      case "DoesNotExist":
        reqs.push({ key: e.key, operator: "!", values: [] });
        break;
      default:
        throw errors.badRequest(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    }
  }
  return reqs;
}

export function labelSelectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  return matchesRequirements(fromLabelSelector(sel), labels);
}

/** As Kubernetes prints a selector (kubectl's SELECTOR column, Scale.status.selector). */
export function requirementsToString(reqs: Requirement[]): string {
  return [...reqs]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case "=":
          return `${r.key}=${r.values[0]}`;
        case "!=":
          return `${r.key}!=${r.values[0]}`;
        case "in":
          return `${r.key} in (${[...r.values].sort().join(",")})`;
        case "notin":
          return `${r.key} notin (${[...r.values].sort().join(",")})`;
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
      }
    })
    .join(",");
}

export function selectorToString(sel: LabelSelector | undefined | null): string {
  return requirementsToString(fromLabelSelector(sel));
}

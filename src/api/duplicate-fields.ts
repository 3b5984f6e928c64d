/**
 * Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys silently; Kubernetes
 * decodes with sigs.k8s.io/json, which under fieldValidation=Strict reports each one as
 * `duplicate field "spec.template.metadata.name"` (paths as its strict decoder writes them:
 * keys joined by dots, list items as `[i]`). kubectl sends Strict on every write, so this is
 * one linear pass without building values; it runs on text JSON.parse already accepted.
 */
import { closingQuote } from "../lib/json-text.ts";

interface Frame {
  /** Keys seen so far; undefined for a list. */
  keys?: Set<string>;
  /** In a list: index of the current item. */
  index: number;
  /** An object's next string is a key. */
  expectKey: boolean;
  /** The last key read in an object. */
  key: string;
  /** This container's step in the path: `.key` or `[i]` ("" for the root). */
  step: string;
}

const QUOTE = 34, LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93, COMMA = 44;

/**
 * Paths of the keys that appear twice in one object of `json`, each once, in order of their
 * second appearance, at most `limit` of them (sigs.k8s.io/json keeps 100).
 *
 * @example duplicateFields('{"metadata":{"name":"a","name":"b"}}') // ["metadata.name"]
 */
export function duplicateFields(json: string, limit = 100): string[] {
  const found: string[] = [];
  const reported = new Set<string>();
  const stack: Frame[] = [];
  const n = json.length;
  let i = 0;
  while (i < n) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(json, i);
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = json.slice(i + 1, end);
        const key = raw.includes("\\") ? (JSON.parse(json.slice(i, end + 1)) as string) : raw;
        if (top.keys.has(key)) {
          const path = pathOf(stack, key);
          if (!reported.has(path)) {
            reported.add(path);
            found.push(path);
            if (found.length >= limit) return found;
          }
        } else top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      const top = stack[stack.length - 1];
      const step = !top ? "" : top.keys ? `.${top.key}` : `[${top.index}]`;
      stack.push(c === LBRACE ? { keys: new Set(), index: 0, expectKey: true, key: "", step } : { index: 0, expectKey: false, key: "", step });
    } else if (c === RBRACE || c === RBRACKET) {
      stack.pop();
    } else if (c === COMMA) {
      const top = stack[stack.length - 1]!;
      if (top.keys) top.expectKey = true;
      else top.index++;
    }
    i++;
  }
  return found;
}

/** Index of the quote that ends the string starting at `start` (a quote preceded by an even run of backslashes). */
function pathOf(stack: Frame[], key: string): string {
  let prefix = "";
  for (const f of stack) prefix += f.step;
  if (prefix.startsWith(".")) prefix = prefix.slice(1);
  return prefix ? `${prefix}.${key}` : key;
}

/**
 * Reading JSON text without parsing it. A stored object's text already holds its parts as
 * JSON.stringify wrote them; copying a part out is a scan, where stringifying it again can
 * cost much more: a Pod's managedFields (2.6 KB, keys like `k:{"name":"web"}` that need
 * escaping, which takes JavaScriptCore off its fast path) stringify at ~25 µs, 3.5× the time
 * of the same objects with plain keys.
 */

const QUOTE = 34, BACKSLASH = 92, LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93, COMMA = 44, COLON = 58;

/** Index of the quote closing the string that opens at `start` (json.length if none). */
export function closingQuote(json: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = json.indexOf('"', from);
    if (q < 0) return json.length;
    let slashes = 0;
    for (let k = q - 1; json.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q;
    from = q + 1;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function skipSpace(json: string, i: number): number {
  while (i < json.length && isSpace(json.charCodeAt(i))) i++;
  return i;
}

/** Index just past the value that starts at `start`. */
export function valueEnd(json: string, start: number): number {
  const first = json.charCodeAt(start);
  if (first === QUOTE) return closingQuote(json, start) + 1;
  if (first === LBRACE || first === LBRACKET) {
    let depth = 0;
    for (let i = start; i < json.length; i++) {
      const c = json.charCodeAt(i);
      if (c === QUOTE) i = closingQuote(json, i);
      else if (c === LBRACE || c === LBRACKET) depth++;
      else if ((c === RBRACE || c === RBRACKET) && --depth === 0) return i + 1;
    }
    return json.length;
  }
  // A number, true, false or null runs to the next delimiter.
  let i = start;
  while (i < json.length) {
    const c = json.charCodeAt(i);
    if (c === COMMA || c === RBRACE || c === RBRACKET || isSpace(c)) break;
    i++;
  }
  return i;
}

/**
 * Where the member `name` of the object whose `{` is at `at` (the top level by default) sits:
 * the index of its key's opening quote and of its value. Undefined when there is no object
 * there or no such member. For text JSON.stringify wrote (valid, no duplicate keys — the first
 * of two is taken, where JSON.parse keeps the last), and a `name` that needs no escaping. The
 * members before it are skipped over; its own value is not read.
 */
export function memberAt(json: string, name: string, at?: number): { key: number; value: number } | undefined {
  let i = skipSpace(json, at ?? 0);
  if (json.charCodeAt(i) !== LBRACE) return undefined;
  i++;
  for (;;) {
    i = skipSpace(json, i);
    if (json.charCodeAt(i) !== QUOTE) return undefined;
    const key = i;
    const keyEnd = closingQuote(json, i);
    const matches = keyEnd - i - 1 === name.length && json.startsWith(name, i + 1);
    i = skipSpace(json, keyEnd + 1);
    if (json.charCodeAt(i) !== COLON) return undefined;
    i = skipSpace(json, i + 1);
    if (matches) return { key, value: i };
    i = skipSpace(json, valueEnd(json, i));
    if (json.charCodeAt(i) !== COMMA) return undefined;
    i++;
  }
}

/**
 * The text of the value of `json`'s top-level member `name`, or undefined when `json` is not
 * an object or has no such member (see memberAt).
 *
 * @example memberText('{"kind":"Pod","metadata":{"name":"a"}}', "metadata") // '{"name":"a"}'
 */
export function memberText(json: string, name: string): string | undefined {
  const member = memberAt(json, name);
  return member && json.slice(member.value, valueEnd(json, member.value));
}

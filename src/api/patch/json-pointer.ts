/**
 * RFC 6901 JSON Pointer, as json-patch paths use it: `""` is the whole document, every other
 * pointer starts with `/`; `~1` stands for `/` and `~0` for `~` inside a token (decoded in that
 * order, so `~01` is the literal `~1`).
 */

/** Splits a pointer into unescaped tokens; `undefined` when it is not a pointer at all. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return undefined;
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Escapes one token for use in a pointer (`a/b` → `a~1b`). */
export function escapeToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** An array index token: decimal digits without leading zeros (RFC 6901 §4); `-` is handled by callers. */
export function parseIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

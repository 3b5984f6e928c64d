/**
 * Word wrapping as kubectl's explain does it (its template's `wrap`, which is
 * github.com/mitchellh/go-wordwrap 1.0.1): breaks only at whitespace, counts runes, keeps the
 * text's own newlines, lets a word longer than the limit run past it, and drops the spaces
 * where it breaks. Written here because explain's output must match kubectl's byte for byte,
 * and the npm word-wrap libraries trim and break differently.
 *
 * @example
 *   wordWrap("a bb ccc", 4) // "a bb\nccc"
 */
const NBSP = "\u00a0";

export function wordWrap(s: string, limit: number): string {
  let out = "";
  let current = 0; // runes on the line already written to `out`
  let word = "";
  let wordLen = 0;
  let space = "";
  let spaceLen = 0;
  const flush = () => {
    current += spaceLen + wordLen;
    out += space + word;
    space = word = "";
    spaceLen = wordLen = 0;
  };
  for (const ch of s) {
    if (ch === "\n") {
      if (wordLen === 0) {
        // Trailing spaces before a newline are kept only when they fit.
        if (current + spaceLen <= limit) out += space;
        space = "";
        spaceLen = 0;
      } else flush();
      out += ch;
      current = 0;
    } else if (/\p{White_Space}/u.test(ch) && ch !== NBSP) {
      if (spaceLen === 0 || wordLen > 0) flush();
      space += ch;
      spaceLen++;
    } else {
      word += ch;
      wordLen++;
      if (current + spaceLen + wordLen > limit && wordLen < limit) {
        out += "\n";
        current = 0;
        space = "";
        spaceLen = 0;
      }
    }
  }
  if (wordLen === 0) {
    if (current + spaceLen <= limit) out += space;
  } else out += space + word;
  return out;
}

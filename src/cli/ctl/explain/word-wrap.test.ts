import { expect, test } from "bun:test";
import { wordWrap } from "./word-wrap.ts";

test.each([
  ["breaks at the last space that fits", "aa bb cc dd", 5, "aa bb\ncc dd"],
  ["drops the spaces where it breaks", "aa   bb", 3, "aa\nbb"],
  ["keeps the text's own newlines and restarts the count", "aaaa\nbb cc", 5, "aaaa\nbb cc"],
  ["lets a word longer than the limit run past it", "https://example.com/very/long x", 10, "https://example.com/very/long\nx"],
  ["counts runes, not bytes", "ééé ééé", 7, "ééé ééé"],
  ["does not break at a no-break space", "a\u00a0b c", 3, "a\u00a0b\nc"],
  ["keeps trailing spaces before a newline only when they fit", "ab   \ncd", 3, "ab\ncd"],
])("%s", (_what, text, limit, want) => {
  expect(wordWrap(text, limit)).toBe(want);
});

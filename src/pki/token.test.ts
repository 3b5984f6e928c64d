import { expect, test } from "bun:test";
import { PkiError } from "./errors.ts";
import { formatToken, generateSecret, parseToken, tokensEqual } from "./token.ts";

const hash = "0123456789abcdef".repeat(4);

test("format and parse round trip", () => {
  const secret = generateSecret();
  const token = formatToken(hash, secret);
  expect(token).toBe(`K10${hash}::server:${secret}`);
  expect(parseToken(token)).toEqual({ caHash: hash, username: "server", secret });
});

test.each([
  ["full token", `K10${hash}::server:s3cret`, { caHash: hash, username: "server", secret: "s3cret" }],
  ["surrounding whitespace (a token file's newline)", ` K10${hash}::server:s3cret\n`, { caHash: hash, username: "server", secret: "s3cret" }],
  ["upper-case hash", `K10${hash.toUpperCase()}::server:s3cret`, { caHash: hash, username: "server", secret: "s3cret" }],
  ["node credentials", `K10${hash}::node:abc`, { caHash: hash, username: "node", secret: "abc" }],
  ["a secret holding a colon", `K10${hash}::server:a:b`, { caHash: hash, username: "server", secret: "a:b" }],
  ["bare secret", "s3cret", { username: "server", secret: "s3cret" }],
])("parses a %s", (_name, text, want) => {
  expect(parseToken(text)).toEqual(want);
});

test.each([
  ["empty", ""],
  ["short hash", "K10abc::server:x"],
  ["non-hex hash", `K10${"g".repeat(64)}::server:x`],
  ["65-digit hash", `K10${hash}0::server:x`],
  ["no credentials separator", `K10${hash}server:x`],
  ["no user", `K10${hash}::x`],
  ["empty secret", `K10${hash}::server:`],
  ["damaged prefix", `K1${hash}::server:x`],
  ["whitespace in a bare secret", "two words"],
])("refuses %s", (_name, text) => {
  expect(() => parseToken(text)).toThrow(PkiError);
});

test.each([
  ["short hash", "abc", "s"],
  ["upper-case hash", hash.toUpperCase(), "s"],
  ["empty secret", hash, ""],
])("formatToken refuses a %s", (_name, h, secret) => {
  expect(() => formatToken(h, secret)).toThrow(PkiError);
});

test("secrets are 32 hex digits and differ", () => {
  const a = generateSecret();
  expect(a).toMatch(/^[0-9a-f]{32}$/);
  expect(generateSecret()).not.toBe(a);
});

test.each([
  ["abc", "abc", true],
  ["abc", "abd", false],
  ["abc", "abcd", false],
  ["", "abc", false],
  ["", "", true],
])("tokensEqual(%p, %p) is %p", (a, b, want) => {
  expect(tokensEqual(a, b)).toBe(want);
});

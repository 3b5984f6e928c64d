import { expect, test } from "bun:test";
import { PkiError } from "./errors.ts";
import { canonicalIp } from "./ip.ts";

test.each([
  ["127.0.0.1", "127.0.0.1"],
  [" 10.43.0.1 ", "10.43.0.1"],
  ["::1", "::1"],
  ["[::1]", "::1"],
  ["0:0:0:0:0:0:0:1", "::1"],
  ["2001:DB8:0:0::1", "2001:db8::1"],
  ["::ffff:192.0.2.7", "192.0.2.7"],
  ["::ffff:c000:207", "192.0.2.7"],
  ["fe80::1", "fe80::1"],
])("%s → %s", (given, want) => {
  expect(canonicalIp(given)).toBe(want);
});

test.each(["", "localhost", "1.2.3", "256.0.0.1", "::g", "10.0.0.1/24"])("%p is refused", (given) => {
  expect(() => canonicalIp(given)).toThrow(PkiError);
});

import { expect, test } from "bun:test";
import { compareIPs } from "./ip-order.ts";

test("IPv4 sorts by number, other addresses by text", () => {
  expect(["10.0.0.10", "10.0.0.9", "9.1.1.1"].sort(compareIPs)).toEqual(["9.1.1.1", "10.0.0.9", "10.0.0.10"]);
  expect(["fd00::b", "fd00::a", "10.0.0.1"].sort(compareIPs)).toEqual(["10.0.0.1", "fd00::a", "fd00::b"]);
  expect(compareIPs("10.0.0.1", "10.0.0.1")).toBe(0);
});

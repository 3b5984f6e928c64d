import { expect, test } from "bun:test";
import { externalIps } from "./external-ips.ts";

test.each([
  [undefined, []],
  ["203.0.113.7", ["203.0.113.7"]],
  ["203.0.113.7,2001:db8::7", ["203.0.113.7", "2001:db8::7"]],
  [["203.0.113.7", "203.0.113.8,203.0.113.7"], ["203.0.113.7", "203.0.113.8"]],
])("--node-external-ip %p → %p", (v, want) => {
  expect(externalIps(v)).toEqual(want);
});

test("a value that is not an IP address is refused, naming the flag", () => {
  expect(() => externalIps("203.0.113.7,public.example")).toThrow('invalid --node-external-ip "public.example" (want an IP address)');
});

import { describe, expect, test } from "bun:test";
import { nextFreeBlock, parseIpv4Cidr } from "./cidr-allocator.ts";

describe("nextFreeBlock", () => {
  test.each([
    ["10.42.0.0/16", 24, [], "10.42.0.0/24"],
    ["10.42.0.0/16", 24, ["10.42.0.0/24"], "10.42.1.0/24"],
    ["10.42.0.0/16", 24, ["10.42.0.0/24", "10.42.2.0/24"], "10.42.1.0/24"],
    ["10.42.7.9/16", 24, [], "10.42.0.0/24"],
    ["10.42.0.0/23", 24, ["10.42.0.0/24", "10.42.1.0/24"], undefined],
    ["10.0.0.0/8", 16, ["10.0.0.0/16"], "10.1.0.0/16"],
  ] as const)("%s /%d with %j used → %s", (cluster, mask, used, want) => {
    expect(nextFreeBlock(parseIpv4Cidr(cluster), mask, new Set(used))).toBe(want);
  });

  test("refuses a node mask wider than the cluster", () => {
    expect(() => nextFreeBlock(parseIpv4Cidr("10.42.0.0/16"), 8, new Set())).toThrow("larger than the cluster CIDR");
  });

  test.each(["10.42.0.0", "300.1.1.1/8", "10.42.0.0/33", "fd00::/64"])("rejects %s", (text) => {
    expect(() => parseIpv4Cidr(text)).toThrow("invalid IPv4 CIDR");
  });
});

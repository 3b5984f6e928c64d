import { describe, expect, test } from "bun:test";
import { cpuQuantity, memoryQuantity, usageBetween } from "./usage.ts";

describe("quantities as metrics-server prints them", () => {
  test.each([
    [0, "0"],
    [0.9, "0"],
    [1, "1n"],
    [1234567, "1234567n"],
    [1234567.89, "1234567n"],
    [1_500_000, "1500u"],
    [250_000_000, "250m"],
    [1_000_000_000, "1"],
    [2_500_000_000, "2500m"],
    [12_000_000_000, "12"],
    [-5, "0"],
  ])("cpu %p nanocores → %p", (n, q) => {
    expect(cpuQuantity(n)).toBe(q);
  });
  test.each([
    [0, "0"],
    [1023, "1023"],
    [1024, "1Ki"],
    [4097, "4097"],
    [636_477_440, "621560Ki"],
    [3 * 1024 * 1024, "3Mi"],
    [2 ** 30, "1Gi"],
  ])("memory %p bytes → %p", (b, q) => {
    expect(memoryQuantity(b)).toBe(q);
  });
});

describe("usageBetween", () => {
  test("CPU rate over the window, the newer working set, the newer time", () => {
    const prev = { cpuNanos: 10e9, memoryBytes: 1024, timestampMs: 1_000_000 };
    const last = { cpuNanos: 10e9 + 15e9 * 0.25, memoryBytes: 8192, timestampMs: 1_015_000 };
    expect(usageBetween(last, prev)).toEqual({ usage: { cpu: "250m", memory: "8Ki" }, timestampMs: 1_015_000, windowMs: 15_000 });
  });

  test("an idle container: 0 cores", () => {
    expect(usageBetween({ cpuNanos: 5, memoryBytes: 4096, timestampMs: 2000 }, { cpuNanos: 5, memoryBytes: 4096, timestampMs: 1000 })!.usage.cpu).toBe("0");
  });

  test("a counter that went down, or no time between: no usage", () => {
    expect(usageBetween({ cpuNanos: 1, memoryBytes: 1, timestampMs: 2000 }, { cpuNanos: 2, memoryBytes: 1, timestampMs: 1000 })).toBeUndefined();
    expect(usageBetween({ cpuNanos: 2, memoryBytes: 1, timestampMs: 1000 }, { cpuNanos: 1, memoryBytes: 1, timestampMs: 1000 })).toBeUndefined();
  });
});

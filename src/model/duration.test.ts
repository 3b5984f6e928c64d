import { expect, test } from "bun:test";
import { formatGoDuration, parseGoDuration } from "./duration.ts";

test.each([
  ["0", 0],
  ["-0", 0],
  ["0s", 0],
  ["5m", 300_000],
  ["1h30m", 5_400_000],
  ["300ms", 300],
  ["1.5s", 1500],
  [".5s", 500],
  ["5.s", 5000],
  ["-2h", -7_200_000],
  ["+10s", 10_000],
  ["1500us", 1.5],
  ["2µs", 0.002],
  ["1000000ns", 1],
  ["1h1m1s1ms", 3_661_001],
])("%p is %p ms", (s, ms) => {
  expect(parseGoDuration(s)).toBeCloseTo(ms, 9);
});

test.each([
  ["", "time: invalid duration \"\""],
  ["-", "time: invalid duration \"-\""],
  ["1", "time: missing unit in duration \"1\""],
  ["5m3", "time: missing unit in duration \"5m3\""],
  ["3d", "time: unknown unit \"d\" in duration \"3d\""],
  [".s", "time: invalid duration \".s\""],
  ["s", "time: invalid duration \"s\""],
  ["1.2.3s", "time: missing unit in duration \"1.2.3s\""],
  [" 5s", "time: invalid duration \" 5s\""],
])("rejects %p", (s, message) => {
  expect(() => parseGoDuration(s)).toThrow(message);
});

test.each([
  [0, "0s"],
  [0.000001, "1ns"],
  [0.000999, "999ns"],
  [0.0015, "1.5µs"],
  [1.5, "1.5ms"],
  [999.999999, "999.999999ms"],
  [1000, "1s"],
  [15_012, "15.012s"],
  [15_000, "15s"],
  [60_000, "1m0s"],
  [60_500, "1m0.5s"],
  [3_600_000, "1h0m0s"],
  [3_723_004, "1h2m3.004s"],
  [-1500, "-1.5s"],
])("formatGoDuration(%p) is %p", (ms, text) => {
  expect(formatGoDuration(ms)).toBe(text);
  if (ms > 0) expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
});

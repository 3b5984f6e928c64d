import { describe, expect, test } from "bun:test";
import { humanDuration, since } from "./human-duration.ts";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe("humanDuration", () => {
  test.each([
    [-2 * s, "<invalid>"],
    [-1999, "0s"], // truncates to -1: within tolerated skew
    [-1 * s, "0s"],
    [0, "0s"],
    [999, "0s"],
    [5 * s, "5s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [3 * m + 2 * s, "3m2s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m, "10m"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 25 * m, "3h25m"],
    [7 * h + 59 * m, "7h59m"],
    [8 * h, "8h"],
    [47 * h + 59 * m, "47h"],
    [48 * h, "2d"],
    [2 * d + 3 * h, "2d3h"],
    [7 * d + 23 * h, "7d23h"],
    [8 * d, "8d"],
    [45 * d + 5 * h, "45d"],
    [2 * y - 1, "729d"],
    [2 * y, "2y"],
    [2 * y + 17 * d, "2y17d"],
    [8 * y - 1, "7y364d"],
    [8 * y, "8y"],
    [20 * y + 100 * d, "20y"],
  ])("%d ms -> %s", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe("since", () => {
  const now = new Date("2024-05-01T12:00:00Z");
  test.each([
    [undefined, "<unknown>"],
    ["", "<unknown>"],
    ["not a time", "<unknown>"],
    ["2024-05-01T11:59:55Z", "5s"],
    ["2024-04-29T09:00:00Z", "2d3h"],
    ["2024-05-01T12:00:05Z", "<invalid>"],
  ])("%p -> %s", (ts, want) => {
    expect(since(ts, now)).toBe(want);
  });
});

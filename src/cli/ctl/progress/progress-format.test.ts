import { expect, test } from "bun:test";
import { duration, progressBar, progressDone, progressLine } from "./progress-format.ts";

test.each([
  [{ label: "a.tar", done: 0, total: 2_000_000, elapsedMs: 0 }, "a.tar  [>                   ]   0%  0B/2MB  0B/s  ETA --"],
  [{ label: "a.tar", done: 1_000_000, total: 2_000_000, elapsedMs: 500 }, "a.tar  [==========>         ]  50%  1MB/2MB  2MB/s  ETA 1s"],
  [{ label: "a.tar", done: 2_000_000, total: 2_000_000, elapsedMs: 4000 }, "a.tar  [====================] 100%  2MB/2MB  500kB/s  ETA 0s"],
  [{ label: "a.tar", done: 150_000_000, total: 1_000_000_000, elapsedMs: 60_000 }, "a.tar  [===>                ]  15%  150MB/1GB  2.5MB/s  ETA 5m40s"],
  [{ label: "stream", done: 1_500, elapsedMs: 1000 }, "stream  1.5kB  1.5kB/s"],
])("bar %#", (p, want) => {
  expect(progressBar(p)).toBe(want);
});

test("plain lines: while running, and the closing summary", () => {
  const p = { label: "a.tar", done: 1_000_000, total: 4_000_000, elapsedMs: 1000 };
  expect(progressLine(p)).toBe("a.tar: 1MB/4MB (25%), 1MB/s, ETA 3s\n");
  expect(progressLine({ label: "x", done: 10, elapsedMs: 1000 })).toBe("x: 10B, 10B/s\n");
  expect(progressDone({ ...p, done: 4_000_000, elapsedMs: 2500 })).toBe("a.tar: 4MB in 2.5s (1.6MB/s)\n");
});

test.each([
  [0, "0s"],
  [0.2, "1s"],
  [59, "59s"],
  [65, "1m05s"],
  [3725, "1h02m"],
])("duration(%d) = %s", (s, want) => {
  expect(duration(s)).toBe(want);
});

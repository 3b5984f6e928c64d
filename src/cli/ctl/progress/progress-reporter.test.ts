import { expect, test } from "bun:test";
import { parseProgressMode, ProgressReporter, type ProgressMode } from "./progress-reporter.ts";

function run(mode: ProgressMode, isTTY: boolean, steps: [atMs: number, bytes: number][], ok = true): string[] {
  const writes: string[] = [];
  let t = 0;
  const r = new ProgressReporter("a.tar", 1000, mode, { write: (s) => void writes.push(s), isTTY, now: () => t });
  for (const [at, n] of steps) {
    t = at;
    r.add(n);
  }
  r.finish(ok);
  return writes;
}

const steps: [number, number][] = [[50, 100], [120, 100], [150, 100], [1100, 100], [1500, 100], [2300, 500]];

test("tty: redrawn in place at most every 100 ms, the last line kept", () => {
  const w = run("tty", false, steps);
  expect(w.every((s) => s.startsWith("\r\x1b[K"))).toBe(true);
  expect(w.length).toBe(6); // 50, 150, 1100, 1500, 2300 and the final one (120 is too soon after 50)
  expect(w.at(-1)).toEndWith("100%  1kB/1kB  435B/s  ETA 0s\n");
});

test("plain: a line after each second, then the summary; nothing at all while under a second", () => {
  expect(run("plain", true, steps)).toEqual(["a.tar: 400B/1kB (40%), 364B/s, ETA 2s\n", "a.tar: 1kB/1kB (100%), 435B/s, ETA 0s\n", "a.tar: 1kB in 2.3s (435B/s)\n"]);
  expect(run("plain", true, [[10, 1000]])).toEqual(["a.tar: 1kB in 0.0s (100kB/s)\n"]);
  expect(run("plain", false, [[10, 10]], false)).toEqual([]);
});

test("auto is the bar on a terminal and silence elsewhere; none is silent", () => {
  expect(run("auto", true, steps).length).toBe(6);
  expect(run("auto", false, steps)).toEqual([]);
  expect(run("none", true, steps)).toEqual([]);
});

test("counter() passes every byte on and counts it", async () => {
  const writes: string[] = [];
  const r = new ProgressReporter("s", undefined, "plain", { write: (s) => void writes.push(s), isTTY: false, now: () => 0 });
  const out = await new Response(new Blob(["abc", "defg"]).stream().pipeThrough(r.counter())).text();
  r.finish();
  expect(out).toBe("abcdefg");
  expect(writes).toEqual(["s: 7B in 0.0s (0B/s)\n"]);
});

test("--progress takes the four modes only", () => {
  expect(parseProgressMode(undefined)).toBe("auto");
  expect(parseProgressMode("plain")).toBe("plain");
  expect(() => parseProgressMode("fancy")).toThrow(/want auto, tty, plain or none/);
});

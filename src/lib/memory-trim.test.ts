import { expect, test } from "bun:test";
import { startMemoryTrim } from "./memory-trim.ts";

test("each round collects, then shrinks; nothing more once the agent stops", async () => {
  const calls: string[] = [];
  const stop = new AbortController();
  startMemoryTrim({ signal: stop.signal, everyMs: 5, collect: () => calls.push("collect"), shrink: () => calls.push("shrink") });
  const deadline = Date.now() + 5000;
  while (calls.length < 4 && Date.now() < deadline) await Bun.sleep(5);
  expect(calls.slice(0, 4)).toEqual(["collect", "shrink", "collect", "shrink"]);
  stop.abort();
  const n = calls.length;
  await Bun.sleep(30);
  expect(calls.length).toBe(n);
});

test("the first round may come sooner, and a round runs only when `when` says so", async () => {
  const calls: string[] = [];
  let allowed = false;
  const stop = new AbortController();
  const started = performance.now();
  let firstAt = 0;
  startMemoryTrim({
    signal: stop.signal,
    everyMs: 60_000,
    firstAfterMs: 5,
    when: () => {
      calls.push("asked");
      firstAt ||= performance.now() - started;
      return allowed;
    },
    collect: () => calls.push("collect"),
    shrink: () => calls.push("shrink"),
  });
  const deadline = Date.now() + 5000;
  while (calls.length < 1 && Date.now() < deadline) await Bun.sleep(5);
  // Asked once, well before everyMs, and refused: nothing collected.
  expect(calls).toEqual(["asked"]);
  expect(firstAt).toBeLessThan(30_000);
  stop.abort();

  const more: string[] = [];
  const stop2 = new AbortController();
  allowed = true;
  startMemoryTrim({ signal: stop2.signal, everyMs: 5, when: () => allowed, collect: () => more.push("collect"), shrink: () => more.push("shrink") });
  while (more.length < 2 && Date.now() < deadline) await Bun.sleep(5);
  expect(more.slice(0, 2)).toEqual(["collect", "shrink"]);
  allowed = false;
  const n = more.length;
  await Bun.sleep(40);
  expect(more.length).toBe(n);
  stop2.abort();
});

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

import { expect, test } from "bun:test";
import { getEventListeners } from "node:events";
import { sleep } from "./sleep.ts";

test("a finished sleep leaves no listener on its signal (regression: one leaked per sleep)", async () => {
  const ac = new AbortController();
  for (let i = 0; i < 1000; i++) await sleep(0, ac.signal);
  expect(getEventListeners(ac.signal, "abort").length).toBe(0);
});

test("abort ends the sleep early and an aborted signal does not wait", async () => {
  const ac = new AbortController();
  let woke = false;
  const p = sleep(60_000, ac.signal).then(() => (woke = true));
  await Promise.resolve();
  expect(woke).toBe(false);
  ac.abort();
  await p;
  expect(woke).toBe(true);
  await sleep(60_000, ac.signal); // resolves at once, or the test times out
});

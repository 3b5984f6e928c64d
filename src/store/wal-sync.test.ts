import { expect, test } from "bun:test";
import { SyncPlacement } from "./wal-sync.ts";

test("syncs stay on the thread, a probe in 16 goes off it, and they stay off while writes arrive during each", () => {
  const p = new SyncPlacement();
  const first = Array.from({ length: 16 }, () => p.next());
  expect(first).toEqual([...Array(15).fill(false), true]);
  p.measured(false); // nothing came meanwhile: back on the thread
  expect(Array.from({ length: 16 }, () => p.next())).toEqual([...Array(15).fill(false), true]);
  p.measured(true); // writes came meanwhile: off the thread from now on
  expect([p.next(), p.next()]).toEqual([true, true]);
  p.measured(true);
  expect(p.next()).toBe(true);
  p.measured(false);
  expect(p.next()).toBe(false);
});

test("off-thread placement always syncs off the thread", () => {
  const p = new SyncPlacement("off-thread");
  p.measured(false);
  expect(Array.from({ length: 20 }, () => p.next()).every(Boolean)).toBe(true);
});

import { expect, test } from "bun:test";
import { numFeasibleNodesToFind } from "./num-feasible.ts";

test.each([
  [50, 0, 50],
  [99, 0, 99],
  [100, 0, 100],
  [1000, 0, 420],
  [5000, 0, 500],
  [6000, 0, 300],
  [10000, 0, 500],
  [250, 0, 120],
  [1000, 30, 300],
  [1000, 5, 100],
  [1000, 100, 1000],
])("%i nodes, percentage %i → %i", (nodes, pct, want) => {
  expect(numFeasibleNodesToFind(nodes, pct)).toBe(want);
});

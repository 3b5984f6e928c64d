import { expect, test } from "bun:test";
import { GrowingColumns } from "./watch-columns.ts";

test("widths carry over between flushes and only grow", () => {
  const g = new GrowingColumns();
  expect(g.layout([["NAME", "DATA", "AGE"], ["base", "0", "11s"]])).toBe("NAME   DATA   AGE\nbase   0      11s\n");
  expect(g.layout([["w1-very-long-name-here", "2", "0s"]])).toBe("w1-very-long-name-here   2      0s\n");
  expect(g.layout([["x", "0", "0s"]])).toBe("x                        0      0s\n");
});

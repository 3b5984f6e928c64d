import { describe, expect, test } from "bun:test";
import { formatIndexes, parseIndexes } from "./indexes.ts";

describe("completed indexes", () => {
  test.each([
    [[], ""],
    [[0], "0"],
    [[0, 1, 2, 3, 5, 7, 8, 9], "0-3,5,7-9"],
    [[4, 2, 3, 3], "2-4"],
  ])("%j formats as %p", (list, text) => {
    expect(formatIndexes(list)).toBe(text);
    expect([...parseIndexes(text, 100)].sort((a, b) => a - b)).toEqual([...new Set(list)].sort((a, b) => a - b));
  });

  test("parsing drops indexes past completions and malformed parts", () => {
    expect([...parseIndexes("0-2,x,8-12", 10)]).toEqual([0, 1, 2, 8, 9]);
  });
});

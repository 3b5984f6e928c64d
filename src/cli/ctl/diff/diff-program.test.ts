import { expect, test } from "bun:test";
import { diffCommand } from "./diff-program.ts";

test.each([
  [undefined, ["diff", "-u", "-N", "L", "M"]],
  ["", ["diff", "-u", "-N", "L", "M"]],
  ["colordiff -N -u", ["colordiff", "L", "M", "-N", "-u"]],
  ["diff --color=always $(rm) a.b", ["diff", "L", "M", "--color=always"]],
])("KUBECTL_EXTERNAL_DIFF=%p", (env, want) => {
  expect(diffCommand(env, "L", "M")).toEqual(want);
});

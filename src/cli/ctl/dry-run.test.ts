import { expect, test } from "bun:test";
import { dryRun } from "./dry-run.ts";

test.each([
  [undefined, { mode: "none", send: true, query: undefined, suffix: "" }],
  ["none", { mode: "none", send: true, query: undefined, suffix: "" }],
  ["client", { mode: "client", send: false, query: undefined, suffix: " (dry run)" }],
  ["server", { mode: "server", send: true, query: "All", suffix: " (server dry run)" }],
])("--dry-run=%p", (v, want) => {
  expect(dryRun(v)).toEqual(want as any);
});

test("anything else is kubectl's error", () => {
  expect(() => dryRun("bogus")).toThrow('Invalid dry-run value (bogus). Must be "none", "server", or "client".');
});

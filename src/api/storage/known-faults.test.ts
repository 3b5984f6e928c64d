import { expect, test } from "bun:test";
import { newFaults } from "./known-faults.ts";

const labels = { field: "metadata.labels", message: 'Invalid value: "garbage": must be a map of strings' };
const containers = { field: "spec.containers", message: "Required value" };
const selector = { field: "spec.selector", message: "Invalid value: {}: empty selector is invalid" };

test("faults the stored object already had are let through; new ones are not", () => {
  expect(newFaults([labels, containers, selector], () => [labels, containers])).toEqual([selector]);
});

test("the same field with another fault is a new fault", () => {
  const other = { field: "metadata.labels", message: 'Invalid value: "x": must be a map of strings' };
  expect(newFaults([other], () => [labels])).toEqual([other]);
});

test("a valid write never validates the stored object; a validator that throws on it excuses nothing", () => {
  expect(newFaults([], () => { throw new Error("must not run"); })).toEqual([]);
  expect(newFaults([labels], () => { throw new TypeError("cannot read"); })).toEqual([labels]);
});

import { expect, test } from "bun:test";
import { conditionMet, parseFor } from "./wait.ts";

const pod = { metadata: { generation: 2 }, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }, { type: "Old", status: "True", observedGeneration: 1 }] } };

test.each([
  ["condition=Ready", true],
  ["condition=ready=true", true],
  ["condition=Ready=False", false],
  ["condition=Missing", false],
  ["condition=Old", false],
  ["jsonpath={.status.phase}=Running", true],
  ["jsonpath=.status.phase=Pending", false],
  ["jsonpath={.status.phase}", true],
  ["jsonpath={.status.nope}", false],
])("%s", (spec, met) => {
  expect(conditionMet(pod, parseFor(spec))).toBe(met);
});

test("an unknown --for is kubectl's error", () => {
  expect(() => parseFor("bogus")).toThrow('unrecognized condition: "bogus"');
});

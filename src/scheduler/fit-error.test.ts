import { expect, test } from "bun:test";
import { fitErrorMessage } from "./fit-error.ts";

test.each([
  [
    "reasons sorted as Go sorts 'count reason' strings",
    { numAllNodes: 12, failures: [...Array(10).fill({ reasons: ["Insufficient cpu"] }), { reasons: ["node(s) didn't match pod anti-affinity rules"] }, { reasons: ["node(s) had untolerated taint {a: b}"], unresolvable: true }] },
    "0/12 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 1 node(s) had untolerated taint {a: b}, 10 Insufficient cpu. preemption: 0/12 nodes are available: 1 Preemption is not helpful for scheduling, 11 No preemption victims found for incoming pod.",
  ],
  [
    "a node short of several resources counts for each",
    { numAllNodes: 1, failures: [{ reasons: ["Insufficient cpu", "Insufficient memory"] }] },
    "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  ],
  [
    "all unresolvable",
    { numAllNodes: 3, failures: Array(3).fill({ reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true }) },
    "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  ],
])("%s", (_n, d, want) => {
  expect(fitErrorMessage(d)).toBe(want);
});

import { expect, test } from "bun:test";
import { goDuration, renderTopNodes, renderTopPods } from "./top.ts";

test("top node: millicores rounded up, MiB down, shares of allocatable, unmeasured nodes last", () => {
  const nodes = [{ metadata: { name: "a" }, status: { allocatable: { cpu: "2", memory: "24Gi" } } }, { metadata: { name: "b" }, status: { allocatable: { cpu: "1", memory: "1Gi" } } }];
  const metrics = [{ metadata: { name: "a" }, usage: { cpu: "1994934346n", memory: "4007172Ki" } }];
  expect(renderTopNodes(metrics, nodes, {})).toBe(
    "NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \na      1995m        99%         3913Mi          15%         \nb      <unknown>    <unknown>   <unknown>       <unknown>   \n",
  );
});

test("top pod: sums of containers, or a line per container", () => {
  const m = [{ metadata: { name: "p", namespace: "n" }, containers: [{ name: "a", usage: { cpu: "10m", memory: "2Mi" } }, { name: "b", usage: { cpu: "5m", memory: "1Mi" } }] }];
  expect(renderTopPods(m, {})).toBe("NAME   CPU(cores)   MEMORY(bytes)   \np      15m          3Mi             \n");
  expect(renderTopPods(m, { containers: true, noHeaders: true })).toBe("p     a     10m   2Mi   \np     b     5m    1Mi   \n");
});

test("Go's duration text", () => {
  expect(goDuration(211_517)).toBe("3m31.517s");
  expect(goDuration(5_000)).toBe("5s");
});

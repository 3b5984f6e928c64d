import { expect, spyOn, test } from "bun:test";
import v8 from "node:v8";
import { registry } from "./request-metrics.ts";

test("a scrape does not walk the heap (Bun's v8 heap statistics do, stalling the server), and still reports its size", async () => {
  const spaces = spyOn(v8, "getHeapSpaceStatistics");
  const stats = spyOn(v8, "getHeapStatistics");
  const text = await registry.metrics();
  expect(spaces).not.toHaveBeenCalled();
  expect(stats).not.toHaveBeenCalled();
  expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
  expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  spaces.mockRestore();
  stats.mockRestore();
});

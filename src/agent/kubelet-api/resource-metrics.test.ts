import { expect, test } from "bun:test";
import { resourceMetrics } from "./resource-metrics.ts";
import { decodeResourceReport } from "../../resource-metrics/resource-report.ts";
import type { Runtime } from "../runtime/types.ts";

const node = { cpuCoreSeconds: 100.5, memoryWorkingSetBytes: 1 << 30, timestampMs: 1_700_000_000_000 };
const container = { namespace: "default", pod: "web", container: "app", cpuCoreSeconds: 2.25, memoryWorkingSetBytes: 4096, timestampMs: 1_700_000_000_100 };

test("node and container readings in the kubelet's text", async () => {
  const runtime = { usageStats: async () => ({ containers: [container] }) } as unknown as Runtime;
  const res = await resourceMetrics({ runtime, nodeUsage: () => node });
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const back = decodeResourceReport(await res.text(), 0);
  expect(back).toEqual({ node, containers: [container] });
});

test("a runtime without stats (the fake one): the node alone", async () => {
  const res = await resourceMetrics({ runtime: {} as Runtime, nodeUsage: () => node });
  const text = await res.text();
  expect(text).toContain("node_cpu_usage_seconds_total 100.5 1700000000000\n");
  expect(text).not.toContain("container_");
  expect(text).toContain("resource_scrape_error 0\n");
});

test("the runtime failing: the node still, and resource_scrape_error 1", async () => {
  const runtime = { usageStats: async () => Promise.reject(new Error("containerd is down")) } as unknown as Runtime;
  const text = await (await resourceMetrics({ runtime, nodeUsage: () => node })).text();
  expect(text).toContain("node_memory_working_set_bytes 1.073741824e+09 1700000000000\n");
  expect(text).toContain("resource_scrape_error 1\n");
});

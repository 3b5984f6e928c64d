import { expect, test } from "bun:test";
import { nodeMetricsPrinter, podMetricsPrinter } from "./metrics.ts";

const now = new Date();

test("NodeMetrics: name, cpu, memory, window", () => {
  const obj = { metadata: { name: "n1" }, timestamp: "2024-01-01T00:00:00Z", window: "15.012s", usage: { cpu: "250m", memory: "621560Ki" } };
  expect(nodeMetricsPrinter.columns.map((c) => c.name)).toEqual(["Name", "cpu", "memory", "Window"]);
  expect(nodeMetricsPrinter.cells(obj as any, now)).toEqual(["n1", "250m", "621560Ki", "15.012s"]);
});

test("PodMetrics: the containers' usage summed", () => {
  const obj = {
    metadata: { name: "web", namespace: "default" }, window: "15s",
    containers: [{ name: "a", usage: { cpu: "1500u", memory: "4Ki" } }, { name: "b", usage: { cpu: "250m", memory: "1Mi" } }],
  };
  expect(podMetricsPrinter.cells(obj as any, now)).toEqual(["web", "251500u", "1028Ki", "15s"]);
  expect(podMetricsPrinter.cells({ metadata: { name: "empty" }, window: "1s", containers: [] } as any, now)).toEqual(["empty", "0", "0", "1s"]);
});

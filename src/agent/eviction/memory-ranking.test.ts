import { expect, test } from "bun:test";
import { memoryEvictionMessage, rankForMemoryEviction, type PodMemory } from "./memory-ranking.ts";

const Mi = 1 << 20;
const pod = (name: string, priority: number, requests: Record<string, string> = {}, usage: Record<string, number> = {}): PodMemory => ({
  pod: { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { priority, containers: Object.keys({ ...requests, ...usage }).map((c) => ({ name: c, resources: requests[c] ? { requests: { memory: requests[c] } } : {} })) } },
  containers: new Map(Object.entries(usage)),
});

test("pods over their request go first, then lower priority, then the larger excess; critical pods never", () => {
  const ranked = rankForMemoryEviction([
    pod("within-low", 0, { c: "200Mi" }, { c: 100 * Mi }),
    pod("over-high", 1000, { c: "100Mi" }, { c: 150 * Mi }),
    pod("over-low-small", 0, { c: "100Mi" }, { c: 120 * Mi }),
    pod("over-low-big", 0, { c: "100Mi" }, { c: 400 * Mi }),
    pod("critical-over", 2_000_001_000, { c: "10Mi" }, { c: 900 * Mi }),
    pod("no-stats", 0, { c: "100Mi" }),
  ]);
  expect(ranked.map((p) => p.pod.metadata.name)).toEqual(["over-low-big", "over-low-small", "over-high", "within-low", "no-stats"]);
});

test("a BestEffort pod (no request) using memory is over its request", () => {
  const ranked = rankForMemoryEviction([pod("guaranteed", 0, { c: "1Gi" }, { c: 500 * Mi }), pod("best-effort", 0, {}, { c: 1 * Mi })]);
  expect(ranked[0]!.pod.metadata.name).toBe("best-effort");
});

test("the message is the kubelet's, naming the containers over their request", () => {
  const p = pod("web", 0, { app: "64Mi", side: "100Mi" }, { app: 300 * Mi + 5, side: 10 * Mi });
  expect(memoryEvictionMessage(p, 100 * Mi, 52 * Mi + 300)).toBe(
    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 52Mi. Container app was using 307201Ki, request is 64Mi, has larger consumption of memory. ",
  );
});

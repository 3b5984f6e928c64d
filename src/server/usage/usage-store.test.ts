import { describe, expect, test } from "bun:test";
import { MetricsStore } from "./usage-store.ts";
import type { ContainerUsagePoint, ResourceReport } from "../../resource-metrics/types.ts";

const T0 = 1_700_000_000_000;
const RES = 15_000;

const node = (t: number, cpu: number, mem = 2 ** 30) => ({ cpuCoreSeconds: cpu, memoryWorkingSetBytes: mem, timestampMs: t });
function ctr(pod: string, container: string, t: number, cpu: number, start = T0 - 3_600_000, mem = 4096): ContainerUsagePoint {
  return { namespace: "default", pod, container, cpuCoreSeconds: cpu, memoryWorkingSetBytes: mem, timestampMs: t, startTimeSeconds: start / 1000 };
}
const report = (n: ReturnType<typeof node> | undefined, containers: ContainerUsagePoint[]): ResourceReport => ({ node: n, containers });

describe("nodes", () => {
  test("usage once two readings exist: the rate between them, the newer memory and time", () => {
    const s = new MetricsStore(RES);
    s.store("n1", report(node(T0, 100), []));
    expect(s.node("n1")).toBeUndefined();
    s.store("n1", report(node(T0 + 15_000, 100 + 15 * 1.5, 3 * 2 ** 20), []));
    expect(s.node("n1")).toEqual({ usage: { cpu: "1500m", memory: "3Mi" }, timestampMs: T0 + 15_000, windowMs: 15_000 });
  });

  test("a reading no newer than the stored one keeps the pair", () => {
    const s = new MetricsStore(RES);
    s.store("n1", report(node(T0, 100), []));
    s.store("n1", report(node(T0 + 10_000, 101), []));
    s.store("n1", report(node(T0 + 10_000, 101), []));
    expect(s.node("n1")?.windowMs).toBe(10_000);
  });

  test("a scrape without a node reading, or a dropped node, forgets it", () => {
    const s = new MetricsStore(RES);
    s.store("n1", report(node(T0, 100), []));
    s.store("n1", report(node(T0 + RES, 101), []));
    s.store("n1", report(undefined, []));
    expect(s.node("n1")).toBeUndefined();
    s.store("n2", report(node(T0, 100), [ctr("p", "c", T0, 1)]));
    expect(s.nodeNames()).toEqual(["n2"]);
    s.drop("n2");
    expect(s.nodeNames()).toEqual([]);
  });
});

describe("pods", () => {
  test("per-container rates; the pod's time and window are those of the container read earliest", () => {
    const s = new MetricsStore(RES);
    s.store("n1", report(undefined, [ctr("busy", "main", T0, 10), ctr("busy", "side", T0 + 100, 1)]));
    expect(s.pod("default", "busy")).toBeUndefined();
    s.store("n1", report(undefined, [ctr("busy", "main", T0 + 15_000, 10 + 15), ctr("busy", "side", T0 + 15_100, 1.0015, undefined, 8192)]));
    expect(s.pod("default", "busy")).toEqual({
      timestampMs: T0 + 15_000, windowMs: 15_000,
      containers: [{ name: "main", usage: { cpu: "1", memory: "4Ki" } }, { name: "side", usage: { cpu: "100u", memory: "8Ki" } }],
    });
  });

  test("a container without a previous reading hides the whole pod", () => {
    const s = new MetricsStore(RES);
    s.store("n1", report(undefined, [ctr("p", "a", T0, 1)]));
    s.store("n1", report(undefined, [ctr("p", "a", T0 + RES, 2), ctr("p", "b", T0 + RES, 1)]));
    expect(s.pod("default", "p")).toBeUndefined();
    s.store("n1", report(undefined, [ctr("p", "a", T0 + 2 * RES, 3), ctr("p", "b", T0 + 2 * RES, 1)]));
    expect(s.pod("default", "p")?.containers.map((c) => c.name)).toEqual(["a", "b"]);
  });

  test("a restarted container starts over; a counter that went down is left out", () => {
    const s = new MetricsStore(RES);
    s.store("n1", report(undefined, [ctr("p", "a", T0, 50), ctr("p", "b", T0, 50)]));
    // a restarted at T0 + 8 s (its start now after the stored reading); b's counter fell without a new start.
    s.store("n1", report(undefined, [ctr("p", "a", T0 + RES, 0.5, T0 + 8_000), ctr("p", "b", T0 + RES, 40)]));
    expect(s.pod("default", "p")).toBeUndefined();
    s.store("n1", report(undefined, [ctr("p", "a", T0 + 2 * RES, 0.5 + 15, T0 + 8_000), ctr("p", "b", T0 + 2 * RES, 41)]));
    expect(s.pod("default", "p")?.containers).toEqual([
      { name: "a", usage: { cpu: "1", memory: "4Ki" } },
      { name: "b", usage: { cpu: "66666666n", memory: "4Ki" } },
    ]);
  });

  test("a container started 10 s to one resolution before its first reading counts from its start", () => {
    const s = new MetricsStore(RES);
    s.store("n1", report(undefined, [ctr("fresh", "c", T0 + 12_000, 6, T0), ctr("new", "c", T0 + 5_000, 1, T0), ctr("old", "c", T0 + 20_000, 1, T0)]));
    expect(s.pod("default", "fresh")).toEqual({ timestampMs: T0 + 12_000, windowMs: 12_000, containers: [{ name: "c", usage: { cpu: "500m", memory: "4Ki" } }] });
    expect(s.pod("default", "new")).toBeUndefined();
    expect(s.pod("default", "old")).toBeUndefined();
  });

  test("pods no longer reported by their node are forgotten; other nodes' stay", () => {
    const s = new MetricsStore(RES);
    for (const t of [T0, T0 + RES]) {
      s.store("n1", report(undefined, [ctr("a", "c", t, t / 1e6)]));
      s.store("n2", report(undefined, [ctr("b", "c", t, t / 1e6)]));
    }
    expect(s.pod("default", "a")).toBeDefined();
    s.store("n1", report(undefined, []));
    expect(s.pod("default", "a")).toBeUndefined();
    expect(s.pod("default", "b")).toBeDefined();
  });
});

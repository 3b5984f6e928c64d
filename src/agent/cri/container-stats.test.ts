import { describe, expect, test } from "bun:test";
import { containerUsageFromCri, CriStatsReader, podUsageFromCri } from "./container-stats.ts";
import { CriError } from "./cri-error.ts";

const labels = (ns: string, pod: string, c: string) => ({
  "io.kubernetes.pod.namespace": ns, "io.kubernetes.pod.name": pod, "io.kubernetes.container.name": c, "io.kubernetes.pod.uid": "u",
});

/** A ContainerStats as the proto loader decodes it (uint64 as strings, unset messages null). */
function stat(id: string, l: Record<string, string>, cpuNs: string | null, mem: string | null, tsNs = "1700000000500000000") {
  return {
    attributes: { id, metadata: { name: l["io.kubernetes.container.name"], attempt: 0 }, labels: l, annotations: {} },
    cpu: cpuNs === null ? null : { timestamp: tsNs, usageCoreNanoSeconds: { value: cpuNs }, usageNanoCores: null },
    memory: mem === null ? null : { timestamp: tsNs, workingSetBytes: { value: mem }, usageBytes: { value: "999999" } },
    writableLayer: null,
  };
}

describe("containerUsageFromCri", () => {
  test("cumulative CPU in core-seconds, working set, the CPU reading's time, start time", () => {
    const got = containerUsageFromCri([stat("c1", labels("default", "web", "app"), "1500000000", "4096")], (id) => (id === "c1" ? 1699999990.25 : undefined), 1);
    expect(got).toEqual([{ namespace: "default", pod: "web", container: "app", cpuCoreSeconds: 1.5, memoryWorkingSetBytes: 4096, timestampMs: 1700000000500, startTimeSeconds: 1699999990.25 }]);
  });

  test("foreign, stopped and half-read containers are left out; of two runs the newest stays", () => {
    const got = containerUsageFromCri(
      [
        stat("foreign", { app: "x" }, "1", "1"),
        stat("exited", labels("default", "web", "gone"), null, null),
        stat("nomem", labels("default", "web", "nomem"), "5", null),
        stat("old", labels("default", "web", "app"), "100", "1"),
        stat("new", labels("default", "web", "app"), "7", "2"),
      ],
      (id) => ({ old: 100, new: 200 })[id],
      1,
    );
    expect(got.map((p) => [p.container, p.cpuCoreSeconds])).toEqual([["app", 7e-9]]);
  });

  test("no timestamp from the runtime: now", () => {
    expect(containerUsageFromCri([stat("c", labels("n", "p", "c"), "1", "1", "0")], () => undefined, 42)[0]!.timestampMs).toBe(42);
  });
});

test("podUsageFromCri", () => {
  const s = {
    attributes: { id: "sb", metadata: { name: "web", namespace: "default", uid: "u", attempt: 0 } },
    linux: { cpu: { timestamp: "2000000000", usageCoreNanoSeconds: { value: "3000000000" } }, memory: { workingSetBytes: { value: "8192" } }, containers: [] },
    windows: null,
  };
  expect(podUsageFromCri([s, { attributes: s.attributes, linux: null }], 5)).toEqual([
    { namespace: "default", pod: "web", cpuCoreSeconds: 3, memoryWorkingSetBytes: 8192, timestampMs: 2000 },
  ]);
});

describe("CriStatsReader", () => {
  test("asks ContainerStatus once per container; forgets containers gone; stops asking for sandbox stats a runtime lacks", async () => {
    const calls: string[] = [];
    let containers = [stat("a", labels("n", "p", "a"), "10", "1"), stat("b", labels("n", "p", "b"), "20", "1")];
    const reader = new CriStatsReader(async (method, req: any) => {
      calls.push(req.containerId ? `${method} ${req.containerId}` : method);
      if (method === "ListContainerStats") return { stats: containers };
      if (method === "ContainerStatus") {
        if (req.containerId === "b") throw new CriError(method, "NOT_FOUND", "gone");
        return { status: { startedAt: "1700000000000000000" } };
      }
      throw new CriError(method, "UNIMPLEMENTED", "unknown method");
    });
    const first = await reader.read();
    expect(first.containers.map((c) => [c.container, c.startTimeSeconds])).toEqual([["a", 1700000000], ["b", undefined]]);
    expect(first.pods).toBeUndefined();
    containers = [stat("a", labels("n", "p", "a"), "11", "1")];
    await reader.read();
    expect(calls).toEqual(["ListContainerStats", "ContainerStatus a", "ContainerStatus b", "ListPodSandboxStats", "ListContainerStats"]);
  });

  test("sandbox stats failing otherwise (containerd 1.6 without cgroup parents) leave the containers' and are asked again", async () => {
    const calls: string[] = [];
    const reader = new CriStatsReader(async (method) => {
      calls.push(method);
      if (method === "ListContainerStats") return { stats: [stat("a", labels("n", "p", "a"), "10", "1")] };
      if (method === "ContainerStatus") return { status: { startedAt: "1" } };
      throw new CriError(method, "UNKNOWN", "failed to get metrics for sandbox x because cgroupPath is empty");
    });
    expect((await reader.read()).containers).toHaveLength(1);
    expect((await reader.read()).pods).toBeUndefined();
    expect(calls.filter((c) => c === "ListPodSandboxStats")).toHaveLength(2);
  });

  test("other runtime errors are the caller's", async () => {
    const reader = new CriStatsReader(async (method) => {
      throw new CriError(method, "UNAVAILABLE", "connection refused");
    });
    await expect(reader.read()).rejects.toThrow("CRI ListContainerStats: UNAVAILABLE: connection refused");
  });
});

import { describe, expect, test } from "bun:test";
import { decodeResourceReport, renderResourceReport } from "./resource-report.ts";
import type { ResourceReport } from "./types.ts";

const T = 1_700_000_000_000;

const report: ResourceReport = {
  node: { cpuCoreSeconds: 1478.83, memoryWorkingSetBytes: 636_477_440, timestampMs: T },
  containers: [
    { namespace: "default", pod: "web", container: "sidecar", cpuCoreSeconds: 0.012345678, memoryWorkingSetBytes: 1_048_576, startTimeSeconds: 1_699_999_000.5, timestampMs: T - 20 },
    { namespace: "default", pod: "busy", container: "main", cpuCoreSeconds: 14.97, memoryWorkingSetBytes: 409_600, timestampMs: T - 10 },
  ],
  pods: [{ namespace: "default", pod: "busy", cpuCoreSeconds: 15, memoryWorkingSetBytes: 819_200, timestampMs: T - 5 }],
};

describe("renderResourceReport", () => {
  test("the kubelet's /metrics/resource text", () => {
    expect(renderResourceReport(report)).toBe(`# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="main",namespace="default",pod="busy"} 14.97 1699999999990
container_cpu_usage_seconds_total{container="sidecar",namespace="default",pod="web"} 0.012345678 1699999999980
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="main",namespace="default",pod="busy"} 409600 1699999999990
container_memory_working_set_bytes{container="sidecar",namespace="default",pod="web"} 1.048576e+06 1699999999980
# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="sidecar",namespace="default",pod="web"} 1.6999990005e+09 1699999000500
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 1478.83 1700000000000
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 6.3647744e+08 1700000000000
# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="default",pod="busy"} 15 1699999999995
# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="default",pod="busy"} 819200 1699999999995
# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 0
`);
  });

  test("no node reading and a runtime error: only the error flag", () => {
    expect(renderResourceReport({ containers: [], scrapeError: true })).toBe(
      "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n",
    );
  });
});

describe("decodeResourceReport", () => {
  test("round trip", () => {
    const back = decodeResourceReport(renderResourceReport(report), 0);
    expect(back.node).toEqual(report.node!);
    expect(back.containers.sort((a, b) => a.pod.localeCompare(b.pod))).toEqual([report.containers[1]!, report.containers[0]!]);
    expect(back.pods).toEqual(report.pods!);
    expect(back.scrapeError).toBeUndefined();
  });

  test("samples without a timestamp take the scrape's time", () => {
    const back = decodeResourceReport('node_cpu_usage_seconds_total 5\nnode_memory_working_set_bytes 10\ncontainer_cpu_usage_seconds_total{container="c",namespace="n",pod="p"} 1\ncontainer_memory_working_set_bytes{container="c",namespace="n",pod="p"} 2\n', 123);
    expect(back.node).toEqual({ cpuCoreSeconds: 5, memoryWorkingSetBytes: 10, timestampMs: 123 });
    expect(back.containers).toEqual([{ namespace: "n", pod: "p", container: "c", cpuCoreSeconds: 1, memoryWorkingSetBytes: 2, timestampMs: 123 }]);
  });

  test("metrics-server's rules: an incomplete node is dropped, a pod with an incomplete container is dropped whole", () => {
    const text = [
      "node_cpu_usage_seconds_total 5 100",
      'container_cpu_usage_seconds_total{container="a",namespace="n",pod="half"} 1 100',
      'container_memory_working_set_bytes{container="a",namespace="n",pod="half"} 2 100',
      'container_cpu_usage_seconds_total{container="b",namespace="n",pod="half"} 1 100',
      'container_cpu_usage_seconds_total{container="a",namespace="n",pod="whole"} 3 100',
      'container_memory_working_set_bytes{container="a",namespace="n",pod="whole"} 4 100',
      'container_cpu_usage_seconds_total{container="z",namespace="n",pod="zero"} 0 100',
      'container_memory_working_set_bytes{container="z",namespace="n",pod="zero"} 4 100',
      "resource_scrape_error 1",
    ].join("\n");
    const back = decodeResourceReport(text, 0);
    expect(back.node).toBeUndefined();
    expect(back.containers.map((c) => `${c.pod}/${c.container}`)).toEqual(["whole/a"]);
    expect(back.scrapeError).toBe(true);
  });

  test("text that is not the format throws", () => {
    expect(() => decodeResourceReport("<html>nope</html>", 0)).toThrow("line 1");
  });
});

import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { podPrinter, summarizePod } from "./pod.ts";

const now = new Date("2024-05-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const MIN = 60_000;

function pod(spec: any, status: any, meta: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", creationTimestamp: ago(5 * MIN), ...meta },
    spec: { containers: [{ name: "a" }], ...spec },
    status,
  };
}

const running = (name: string, ready = true, restartCount = 0, extra: any = {}) => ({
  name,
  ready,
  restartCount,
  state: { running: { startedAt: ago(MIN) } },
  ...extra,
});

describe("pod READY / STATUS / RESTARTS", () => {
  test.each<[string, KubeObject, [string, string, string]]>([
    ["pending, no statuses", pod({}, { phase: "Pending" }), ["0/1", "Pending", "0"]],
    ["running and ready", pod({}, { phase: "Running", containerStatuses: [running("a")] }), ["1/1", "Running", "0"]],
    [
      "one of two ready",
      pod({ containers: [{ name: "a" }, { name: "b" }] }, { phase: "Running", containerStatuses: [running("a"), running("b", false)] }),
      ["1/2", "Running", "0"],
    ],
    [
      "crash loop with last restart age",
      pod(
        {},
        {
          phase: "Running",
          containerStatuses: [
            {
              name: "a",
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: "CrashLoopBackOff" } },
              lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(2 * MIN) } },
            },
          ],
        },
      ),
      ["0/1", "CrashLoopBackOff", "3 (2m ago)"],
    ],
    [
      "restarts without a last termination time print the bare count",
      pod({}, { phase: "Running", containerStatuses: [running("a", true, 2)] }),
      ["1/1", "Running", "2"],
    ],
    [
      "completed",
      pod({}, { phase: "Succeeded", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 0, reason: "Completed" } } }] }),
      ["0/1", "Completed", "0"],
    ],
    [
      "terminated without reason shows exit code",
      pod({}, { phase: "Failed", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 137 } } }] }),
      ["0/1", "ExitCode:137", "0"],
    ],
    [
      "terminated by signal",
      pod({}, { phase: "Failed", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 0, signal: 9 } } }] }),
      ["0/1", "Signal:9", "0"],
    ],
    [
      "first container's reason wins",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        {
          phase: "Pending",
          containerStatuses: [
            { name: "a", state: { waiting: { reason: "ImagePullBackOff" } } },
            { name: "b", state: { waiting: { reason: "ContainerCreating" } } },
          ],
        },
      ),
      ["0/2", "ImagePullBackOff", "0"],
    ],
    [
      "completed container beside a running one reads Running when the pod is Ready",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True" }],
          containerStatuses: [{ name: "a", state: { terminated: { exitCode: 0, reason: "Completed" } } }, running("b")],
        },
      ),
      ["1/2", "Running", "0"],
    ],
    [
      "completed container beside a running one reads NotReady otherwise",
      pod(
        { containers: [{ name: "a" }, { name: "b" }] },
        { phase: "Running", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 0, reason: "Completed" } } }, running("b")] },
      ),
      ["1/2", "NotReady", "0"],
    ],
    [
      "init container running",
      pod(
        { initContainers: [{ name: "i1" }, { name: "i2" }] },
        {
          phase: "Pending",
          initContainerStatuses: [
            { name: "i1", state: { terminated: { exitCode: 0, reason: "Completed" } } },
            { name: "i2", state: { running: {} } },
          ],
          containerStatuses: [{ name: "a", state: { waiting: { reason: "PodInitializing" } } }],
        },
      ),
      ["0/1", "Init:1/2", "0"],
    ],
    [
      "init container not started yet",
      pod(
        { initContainers: [{ name: "i1" }] },
        { phase: "Pending", initContainerStatuses: [{ name: "i1", state: { waiting: { reason: "PodInitializing" } } }] },
      ),
      ["0/1", "Init:0/1", "0"],
    ],
    [
      "init container crash looping counts init restarts",
      pod(
        { initContainers: [{ name: "i1" }] },
        {
          phase: "Pending",
          initContainerStatuses: [
            {
              name: "i1",
              restartCount: 4,
              state: { waiting: { reason: "CrashLoopBackOff" } },
              lastState: { terminated: { exitCode: 1, finishedAt: ago(30_000) } },
            },
          ],
        },
      ),
      ["0/1", "Init:CrashLoopBackOff", "4 (30s ago)"],
    ],
    [
      "init container failed with exit code",
      pod({ initContainers: [{ name: "i1" }] }, { phase: "Pending", initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 2 } } }] }),
      ["0/1", "Init:ExitCode:2", "0"],
    ],
    [
      "init container failed with a reason",
      pod({ initContainers: [{ name: "i1" }] }, { phase: "Pending", initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 1, reason: "Error" } } }] }),
      ["0/1", "Init:Error", "0"],
    ],
    [
      "started sidecar counts toward READY and total",
      pod(
        { initContainers: [{ name: "side", restartPolicy: "Always" }] },
        {
          phase: "Running",
          conditions: [{ type: "Initialized", status: "True" }],
          initContainerStatuses: [{ name: "side", started: true, ready: true, restartCount: 1, state: { running: {} } }],
          containerStatuses: [running("a", true, 2)],
        },
      ),
      ["2/2", "Running", "3"],
    ],
    [
      "deleting pod is Terminating",
      pod({}, { phase: "Running", containerStatuses: [running("a")] }, { deletionTimestamp: ago(0) }),
      ["1/1", "Terminating", "0"],
    ],
    [
      "deleting finished pod keeps its reason",
      pod({}, { phase: "Succeeded", containerStatuses: [{ name: "a", state: { terminated: { exitCode: 0, reason: "Completed" } } }] }, { deletionTimestamp: ago(0) }),
      ["0/1", "Completed", "0"],
    ],
    [
      "deleting pod on a lost node is Unknown",
      pod({}, { phase: "Running", reason: "NodeLost", containerStatuses: [running("a")] }, { deletionTimestamp: ago(0) }),
      ["1/1", "Unknown", "0"],
    ],
    [
      "pod reason beats phase",
      pod({}, { phase: "Failed", reason: "Evicted" }),
      ["0/1", "Evicted", "0"],
    ],
    [
      "scheduling gated",
      pod({}, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] }),
      ["0/1", "SchedulingGated", "0"],
    ],
  ])("%s", (_name, p, [ready, status, restarts]) => {
    expect(summarizePod(p, now)).toEqual({ ready, status, restarts });
  });
});

describe("pod cells", () => {
  test("all nine columns, wide ones filled", () => {
    const p = pod(
      { nodeName: "n1", readinessGates: [{ conditionType: "x/ready" }, { conditionType: "y/ready" }] },
      {
        phase: "Running",
        podIP: "10.42.0.9",
        podIPs: [{ ip: "10.42.0.9" }],
        conditions: [{ type: "x/ready", status: "True" }],
        containerStatuses: [running("a")],
      },
    );
    expect(podPrinter.columns.map((c) => c.name)).toEqual(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]);
    expect(podPrinter.columns.map((c) => c.priority)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(podPrinter.cells(p, now)).toEqual(["p", "1/1", "Running", "0", "5m", "10.42.0.9", "n1", "<none>", "1/2"]);
  });

  test("unscheduled pod shows <none> for IP, node and gates", () => {
    expect(podPrinter.cells(pod({}, { phase: "Pending" }), now).slice(5)).toEqual(["<none>", "<none>", "<none>", "<none>"]);
  });
});

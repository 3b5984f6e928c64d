import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { ContainerInfo } from "../runtime/types.ts";
import { computePodStatus, mergeConditions } from "./pod-status.ts";

const NOW = Date.parse("2026-01-01T00:10:00Z");
const pod = (restartPolicy = "Always"): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u" },
  spec: { restartPolicy, containers: [{ name: "c", image: "busybox" }] },
});
const run = (attempt: number, state: ContainerInfo["state"], exitCode = 0): ContainerInfo => ({
  id: `id${attempt}`, sandboxId: "sb", name: "c", attempt, image: "docker.io/k3rs/busybox:test", imageRef: "sha256:abc", state,
  createdAt: NOW - 5000, startedAt: NOW - 4000, finishedAt: state === "exited" ? NOW - 1000 : 0, exitCode,
});
const status = (p: KubeObject, containers: ContainerInfo[]) => computePodStatus({
  pod: p, sandbox: { id: "sb", uid: "u", name: "p", namespace: "ns", attempt: 0, state: "ready", ip: "10.42.0.5", createdAt: NOW - 6000 },
  containers, backoff: new Map(), failures: new Map(), hostIP: "10.0.0.1", runtimeName: "containerd", now: NOW,
});

describe("container statuses", () => {
  test("the image is the spec's, fully named; the runtime's id is imageID", () => {
    expect(status(pod(), [run(0, "running")]).containerStatuses[0]).toMatchObject({ image: "docker.io/library/busybox:latest", imageID: "sha256:abc", restartCount: 0 });
  });

  test("a restarted container that runs again shows the run before as lastState", () => {
    const cs = status(pod(), [run(0, "exited", 1), run(1, "running")]).containerStatuses[0];
    expect(cs.restartCount).toBe(1);
    expect(cs.state.running).toBeDefined();
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error", containerID: "containerd://id0" });
  });

  test("the first run has no lastState", () => {
    expect(status(pod(), [run(0, "running")]).containerStatuses[0].lastState).toBeUndefined();
  });

  test("a finished Never pod reports its container terminated and the phase", () => {
    const s = status(pod("Never"), [run(0, "exited", 3)]);
    expect(s.phase).toBe("Failed");
    expect(s.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(s.podIP).toBe("10.42.0.5");
  });
});

describe("a status stored with the wrong shapes", () => {
  test("conditions that are not a list of objects are not kept, and never fail the merge", () => {
    expect(mergeConditions("garbage", [{ type: "Ready", status: "True" }], "T")).toEqual([{ type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "T" }]);
    const kept = { type: "PodScheduled", status: "True", lastTransitionTime: "S" };
    expect(mergeConditions([null, "x", { status: "True" }, kept], [], "T")).toEqual([kept]);
  });

  test("a startTime or qosClass of the wrong type is computed afresh", () => {
    const p = { ...pod(), status: { startTime: 5, qosClass: 7 } } as KubeObject;
    const s = status(p, [run(0, "running")]);
    expect(s.startTime).toBe("2026-01-01T00:10:00Z");
    expect(s.qosClass).toBe("BestEffort");
  });
});

describe("ephemeral container statuses", () => {
  test("reported apart, never ready, and terminated for good when they exit", () => {
    const p = pod("Always");
    p.spec!.ephemeralContainers = [{ name: "debugger", image: "busybox" }];
    const dbg = (state: ContainerInfo["state"], exitCode = 0): ContainerInfo => ({ ...run(0, state, exitCode), id: "dbg", name: "debugger" });
    const waiting = status(p, [run(0, "running")]);
    expect(waiting.containerStatuses.map((c: any) => c.name)).toEqual(["c"]);
    expect(waiting.ephemeralContainerStatuses).toEqual([expect.objectContaining({ name: "debugger", ready: false, state: { waiting: { reason: "ContainerCreating" } } })]);
    const running = status(p, [run(0, "running"), dbg("running")]);
    expect(running.ephemeralContainerStatuses[0]).toMatchObject({ ready: false, started: true, state: { running: {} } });
    expect(running.conditions.find((c: any) => c.type === "Ready").status).toBe("True");
    const exited = status(p, [run(0, "running"), dbg("exited", 1)]);
    expect(exited.ephemeralContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(status(pod(), [run(0, "running")]).ephemeralContainerStatuses).toBeUndefined();
  });
});

import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { ContainerInfo, SandboxInfo } from "../runtime/types.ts";
import { nextBackoff, planPod, podFinished, latestByName, type BackoffState, type PodAction } from "./pod-actions.ts";

const NOW = 1_000_000;
const pod = (spec: any): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u" }, spec });
const sandbox = (state: SandboxInfo["state"] = "ready", attempt = 0): SandboxInfo => ({ id: `sb${attempt}`, uid: "u", name: "p", namespace: "ns", attempt, state, createdAt: 0 });
const run = (name: string, state: ContainerInfo["state"], o: Partial<ContainerInfo> = {}): ContainerInfo => ({
  id: `${name}-${o.attempt ?? 0}`, sandboxId: "sb0", name, attempt: 0, image: "busybox", imageRef: "", state, createdAt: 0, startedAt: 0, finishedAt: 0, exitCode: 0, ...o,
});
const app = { name: "app", image: "busybox" };
const init = { name: "init", image: "busybox" };
const kinds = (actions: PodAction[]) => actions.map((a) => (a.type === "startContainer" ? `start ${a.container.name}#${a.attempt}` : a.type === "createSandbox" ? `sandbox#${a.attempt}` : a.type === "wait" ? `wait ${a.untilMs}` : a.type));

describe("planPod", () => {
  test.each<[string, any, SandboxInfo[], ContainerInfo[], [string, BackoffState][], string[]]>([
    ["no sandbox: make one", { containers: [app] }, [], [], [], ["sandbox#0"]],
    ["a sandbox that died: the next attempt", { containers: [app] }, [sandbox("notready", 2)], [], [], ["sandbox#3"]],
    ["a finished pod's stopped sandbox is not made again", { restartPolicy: "Never", containers: [app] }, [sandbox("notready")], [run("app", "exited")], [], []],
    ["containers start, init containers first", { initContainers: [init], containers: [app] }, [sandbox()], [], [], ["start init#0"]],
    ["a running init container holds the app containers back", { initContainers: [init], containers: [app] }, [sandbox()], [run("init", "running")], [], []],
    ["after init succeeded, the app containers", { initContainers: [init], containers: [app] }, [sandbox()], [run("init", "exited")], [], ["start app#0"]],
    ["a failed init container under Never: nothing more", { restartPolicy: "Never", initContainers: [init], containers: [app] }, [sandbox()], [run("init", "exited", { exitCode: 1 })], [], []],
    ["a failed init container in back-off waits", { initContainers: [init], containers: [app] }, [sandbox()], [run("init", "exited", { exitCode: 1 })], [["init", { delayMs: 10_000, sinceMs: NOW - 1 }]], [`wait ${NOW + 9_999}`]],
    ["a crashed container out of back-off restarts with the next attempt", { containers: [app] }, [sandbox()], [run("app", "exited", { exitCode: 1, attempt: 3 })], [["app", { delayMs: 10_000, sinceMs: NOW - 10_000 }]], ["start app#4"]],
    ["a crashed container in back-off: wait for the earliest", { containers: [app, { name: "b" }] }, [sandbox()], [run("app", "exited", { exitCode: 1 }), run("b", "exited", { exitCode: 1 })], [["app", { delayMs: 20_000, sinceMs: NOW }], ["b", { delayMs: 10_000, sinceMs: NOW }]], [`wait ${NOW + 10_000}`]],
    ["OnFailure: a success is not restarted", { restartPolicy: "OnFailure", containers: [app] }, [sandbox()], [run("app", "exited")], [], []],
  ])("%s", (_name, spec, sandboxes, containers, backoff, want) => {
    expect(kinds(planPod({ pod: pod(spec), sandboxes, containers, backoff: new Map(backoff), now: NOW }))).toEqual(want);
  });
});

test.each<[string, string, ContainerInfo[], boolean]>([
  ["Always never finishes", "Always", [run("app", "exited", { exitCode: 0 })], false],
  ["OnFailure: finished on success", "OnFailure", [run("app", "exited", { exitCode: 0 })], true],
  ["OnFailure: a failure restarts", "OnFailure", [run("app", "exited", { exitCode: 1 })], false],
  ["Never: finished on any exit", "Never", [run("app", "exited", { exitCode: 1 })], true],
  ["Never: still running", "Never", [run("app", "running")], false],
])("podFinished: %s", (_name, restartPolicy, containers, want) => {
  expect(podFinished(pod({ restartPolicy, containers: [app] }), latestByName(containers))).toBe(want);
});

test("nextBackoff: none the first time, 10 s doubling to 5 min, none again after a run of over 10 minutes", () => {
  const crash = (startedAt: number, finishedAt: number) => run("app", "exited", { startedAt, finishedAt, exitCode: 1 });
  let b = nextBackoff(undefined, crash(0, 1), 10_000);
  const delays = [b.delayMs];
  for (let i = 0; i < 7; i++) delays.push((b = nextBackoff(b, crash(0, 1), 10_000)).delayMs);
  expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  expect(nextBackoff(b, crash(0, 600_001), 10_000)).toEqual({ delayMs: 0, sinceMs: 600_001 });
  expect(nextBackoff(b, crash(0, 600_000), 10_000).delayMs).toBe(300_000);
});

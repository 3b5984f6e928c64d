import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { ContainerInfo, SandboxInfo } from "../runtime/types.ts";
import { BACKOFF_MAX_MS, nextBackoff, planPod, podFinished, latestByName, type BackoffState, type PodAction } from "./pod-actions.ts";

const NOW = 1_000_000;

function makePod(o: { restartPolicy?: string; init?: string[]; apps?: string[] } = {}): KubeObject {
  const spec: Record<string, unknown> = { containers: (o.apps ?? ["app"]).map((name) => ({ name, image: "busybox" })) };
  if (o.init) spec.initContainers = o.init.map((name) => ({ name, image: "busybox" }));
  if (o.restartPolicy) spec.restartPolicy = o.restartPolicy;
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "u" }, spec } as KubeObject;
}

const sandbox = (state: SandboxInfo["state"], attempt = 0): SandboxInfo => ({ id: `s${attempt}`, uid: "u", name: "p", namespace: "default", attempt, state, createdAt: 1 });

/** `name#attempt:state[=exitCode]`, e.g. `app#0:exited=1`, `init#1:running`. */
function ctr(text: string): ContainerInfo {
  const m = /^(\w+)#(\d+):(\w+)(?:=(\d+))?$/.exec(text)!;
  const [, name, attempt, state, code] = m;
  return {
    id: `${name}-${attempt}`, sandboxId: "s0", name: name!, attempt: Number(attempt), image: "busybox", imageRef: "busybox",
    state: state as ContainerInfo["state"], createdAt: Number(attempt) + 1, startedAt: 0, finishedAt: 0, exitCode: Number(code ?? 0),
  };
}

/** Actions as short strings: `sandbox#1`, `start app#0`, `start init:i1#0`, `wait@1010000`. */
function show(actions: PodAction[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case "createSandbox": return `sandbox#${a.attempt}`;
      case "startContainer": return `start ${a.init ? "init:" : ""}${a.container.name}#${a.attempt}`;
      case "removeContainer": return `remove ${a.id}`;
      case "wait": return `wait@${a.untilMs}`;
    }
  });
}

const waiting = (ms: number): BackoffState => ({ delayMs: ms, sinceMs: NOW - 1000 }); // crashed 1 s ago

interface Case {
  name: string;
  pod: KubeObject;
  sandboxes: SandboxInfo[];
  containers?: string[];
  backoff?: Record<string, BackoffState>;
  want: string[];
}

const cases: Case[] = [
  { name: "no sandbox: create the first", pod: makePod(), sandboxes: [], want: ["sandbox#0"] },
  { name: "sandbox gone not-ready: create the next attempt", pod: makePod(), sandboxes: [sandbox("notready", 2)], want: ["sandbox#3"] },
  { name: "sandbox gone after the pod finished (OnFailure, exit 0): nothing", pod: makePod({ restartPolicy: "OnFailure" }), sandboxes: [sandbox("notready")], containers: ["app#0:exited=0"], want: [] },
  { name: "sandbox gone, Always: never finished, create again", pod: makePod(), sandboxes: [sandbox("notready")], containers: ["app#0:exited=0"], want: ["sandbox#1"] },
  { name: "ready sandbox, nothing running: start every app container", pod: makePod({ apps: ["a", "b"] }), sandboxes: [sandbox("ready")], want: ["start a#0", "start b#0"] },
  { name: "init containers first, one at a time", pod: makePod({ init: ["i1", "i2"] }), sandboxes: [sandbox("ready")], want: ["start init:i1#0"] },
  { name: "init running: wait for it", pod: makePod({ init: ["i1", "i2"] }), sandboxes: [sandbox("ready")], containers: ["i1#0:running"], want: [] },
  { name: "init created, not started: nothing more", pod: makePod({ init: ["i1"] }), sandboxes: [sandbox("ready")], containers: ["i1#0:created"], want: [] },
  { name: "init done: the next init", pod: makePod({ init: ["i1", "i2"] }), sandboxes: [sandbox("ready")], containers: ["i1#0:exited=0"], want: ["start init:i2#0"] },
  { name: "all inits done: the apps", pod: makePod({ init: ["i1"], apps: ["a", "b"] }), sandboxes: [sandbox("ready")], containers: ["i1#0:exited=0"], want: ["start a#0", "start b#0"] },
  { name: "init failed under Never: nothing (the pod fails)", pod: makePod({ init: ["i1"], restartPolicy: "Never" }), sandboxes: [sandbox("ready")], containers: ["i1#0:exited=1"], want: [] },
  { name: "init failed, first crash: retried at once", pod: makePod({ init: ["i1"] }), sandboxes: [sandbox("ready")], containers: ["i1#0:exited=1"], want: ["start init:i1#1"] },
  { name: "init failed in back-off: wait, apps not started", pod: makePod({ init: ["i1"] }), sandboxes: [sandbox("ready")], containers: ["i1#0:exited=1"], backoff: { i1: waiting(10_000) }, want: [`wait@${NOW + 9000}`] },
  { name: "Always: an app that exited 0 restarts", pod: makePod(), sandboxes: [sandbox("ready")], containers: ["app#0:exited=0"], want: ["start app#1"] },
  { name: "OnFailure: exit 0 stays down", pod: makePod({ restartPolicy: "OnFailure" }), sandboxes: [sandbox("ready")], containers: ["app#0:exited=0"], want: [] },
  { name: "OnFailure: exit 1 restarts", pod: makePod({ restartPolicy: "OnFailure" }), sandboxes: [sandbox("ready")], containers: ["app#0:exited=1"], want: ["start app#1"] },
  { name: "Never: a failed app stays down", pod: makePod({ restartPolicy: "Never" }), sandboxes: [sandbox("ready")], containers: ["app#0:exited=1"], want: [] },
  { name: "the latest attempt counts: #1 running after #0 crashed", pod: makePod(), sandboxes: [sandbox("ready")], containers: ["app#0:exited=1", "app#1:running"], want: [] },
  { name: "crashed in back-off: wait until it ends", pod: makePod(), sandboxes: [sandbox("ready")], containers: ["app#3:exited=1"], backoff: { app: waiting(40_000) }, want: [`wait@${NOW + 39_000}`] },
  { name: "back-off over: restart", pod: makePod(), sandboxes: [sandbox("ready")], containers: ["app#3:exited=1"], backoff: { app: waiting(1000) }, want: ["start app#4"] },
  {
    name: "two in back-off and one missing: start the missing one, wait for the earlier end",
    pod: makePod({ apps: ["a", "b", "c"] }), sandboxes: [sandbox("ready")], containers: ["a#1:exited=1", "b#1:exited=1"],
    backoff: { a: waiting(80_000), b: waiting(20_000) }, want: ["start c#0", `wait@${NOW + 19_000}`],
  },
];

describe("planPod", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const actions = planPod({ pod: c.pod, sandboxes: c.sandboxes, containers: (c.containers ?? []).map(ctr), backoff: new Map(Object.entries(c.backoff ?? {})), now: NOW });
    expect(show(actions)).toEqual(c.want);
  });
});

describe("podFinished", () => {
  test.each([
    ["Always never finishes", makePod(), ["app#0:exited=0"], false],
    ["OnFailure: every app exited 0", makePod({ restartPolicy: "OnFailure", apps: ["a", "b"] }), ["a#0:exited=0", "b#0:exited=0"], true],
    ["OnFailure: one still running", makePod({ restartPolicy: "OnFailure", apps: ["a", "b"] }), ["a#0:exited=0", "b#0:running"], false],
    ["OnFailure: a failed app will restart", makePod({ restartPolicy: "OnFailure" }), ["app#0:exited=1"], false],
    ["Never: a failed app is final", makePod({ restartPolicy: "Never" }), ["app#0:exited=1"], true],
    ["Never: a failed init container ends the pod", makePod({ restartPolicy: "Never", init: ["i1"] }), ["i1#0:exited=1"], true],
  ] as const)("%s", (_name, pod, containers, want) => {
    expect(podFinished(pod, latestByName(containers.map(ctr)))).toBe(want);
  });
});

describe("nextBackoff (CrashLoopBackOff)", () => {
  const crash = (ranMs: number): ContainerInfo => ({ ...ctr("app#0:exited=1"), startedAt: NOW - ranMs, finishedAt: NOW });
  test("the first crash restarts at once, then 10 s doubling up to 5 min", () => {
    let b: BackoffState | undefined;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      b = nextBackoff(b, crash(1000), 10_000);
      delays.push(b.delayMs);
    }
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, BACKOFF_MAX_MS, BACKOFF_MAX_MS]);
    expect(b!.sinceMs).toBe(NOW);
  });
  test("a container that ran longer than 10 min before crashing starts over", () => {
    const b = nextBackoff({ delayMs: BACKOFF_MAX_MS, sinceMs: 0 }, crash(2 * BACKOFF_MAX_MS + 1), 10_000);
    expect(b.delayMs).toBe(0);
  });
});

describe("ephemeral containers", () => {
  const withDebugger = (o: Parameters<typeof makePod>[0] = {}) => {
    const p = makePod(o);
    p.spec!.ephemeralContainers = [{ name: "debugger", image: "busybox", targetContainerName: "app" }];
    return p;
  };

  test("start once each as soon as the sandbox runs, before init containers are done, and never again", () => {
    const plan = (containers: string[], o: Parameters<typeof makePod>[0] = {}) => planPod({ pod: withDebugger(o), sandboxes: [sandbox("ready")], containers: containers.map(ctr), backoff: new Map(), now: NOW });
    expect(show(plan([], { init: ["i1"] }))).toEqual(["start debugger#0", "start init:i1#0"]);
    expect(plan([], {}).find((a) => a.type === "startContainer" && a.container.name === "debugger")).toMatchObject({ ephemeral: true });
    expect(show(plan(["app#0:running", "debugger#0:running"]))).toEqual([]);
    expect(show(plan(["app#0:running", "debugger#0:exited=1"]))).toEqual([]);
    // A failed init container waiting out its back-off still lets the debugger start.
    expect(show(planPod({ pod: withDebugger({ init: ["i1"] }), sandboxes: [sandbox("ready")], containers: [ctr("i1#0:exited=1")], backoff: new Map([["i1", waiting(10_000)]]), now: NOW }))).toEqual(["start debugger#0", `wait@${NOW + 9000}`]);
  });
});

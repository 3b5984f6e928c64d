/**
 * One pod through its worker on the fake runtime, with a fake clock: the sandbox and the
 * container are made from what the preparer gives, and a crashing container restarts with the
 * kubelet's CrashLoopBackOff timing — at once the first time, then 10 s doubling to 5 min,
 * and from scratch again after a run of more than 10 minutes.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import type { AgentApi } from "../agent-api.ts";
import { FakeRuntime } from "../runtime/fake.ts";
import type { ContainerInfo } from "../runtime/types.ts";
import { noMounter } from "../volumes/host-mounter.ts";
import { PodPreparer } from "./pod-preparer.ts";
import { PodWorker } from "./pod-worker.ts";
import { StartGate } from "./start-gate.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-worker-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MIN = 60_000;

function harness(containers: any[], restartPolicy = "Always", startGate?: StartGate) {
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  const runtime = new FakeRuntime({ now });
  const statuses: any[] = [];
  const events: string[] = [];
  const api = {
    patchPodStatus: async (_pod: KubeObject, status: any) => void statuses.push(status),
    event: async (_obj: KubeObject, _type: string, reason: string, message: string) => void events.push(`${reason}: ${message}`),
    deletePod: async () => undefined,
  } as unknown as AgentApi;
  const preparer = new PodPreparer({
    podsDir: join(root, "pods"), logRoot: join(root, "logs"), nodeHostname: "n1", dns: { servers: [], searches: [], options: [] },
    sources: { configMap: async () => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { LEVEL: "3" } }), secret: async () => undefined },
    facts: () => ({ hostIP: "10.0.0.1", nodeCpuCores: 2, nodeMemoryBytes: 2 ** 32 }), mounter: noMounter, imaginedHostPaths: true,
  });
  const pod: KubeObject = {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "p", namespace: "ns", uid: `uid-${Math.random().toString(36).slice(2)}` },
    spec: { nodeName: "n1", restartPolicy, containers },
  };
  const worker = new PodWorker(pod, {
    runtime, preparer, runtimeName: "fake", api, nodeName: "n1", hostIP: () => "10.0.0.1", podCidr: () => "10.42.3.0/24",
    backoffBaseMs: 10_000, recordEvents: true, now, onDone: () => undefined, startGate,
  });
  const runs = async (): Promise<ContainerInfo[]> => (await runtime.listContainers()).sort((a, b) => a.attempt - b.attempt);
  return {
    clock, runtime, statuses, events, worker, runs,
    /** One sync, to its end. */
    async sync() {
      worker.trigger();
      await worker.settled();
    },
    /** The latest run, once it has exited (the fake exits on a timer; this is a hang guard). */
    async exited(): Promise<ContainerInfo> {
      for (let i = 0; i < 2000; i++) {
        const last = (await runs()).at(-1);
        if (last?.state === "exited") return last;
        await Bun.sleep(1);
      }
      throw new Error("the container never exited");
    },
    lastWaiting: () => statuses.at(-1)?.containerStatuses?.[0]?.state?.waiting,
  };
}

describe("PodWorker", () => {
  test("a new pod: a sandbox in the node's CIDR, the container from the prepared config, status Running", async () => {
    const h = harness([{ name: "app", image: "busybox", env: [{ name: "LEVEL", valueFrom: { configMapKeyRef: { name: "cfg", key: "LEVEL" } } }], args: ["--level=$(LEVEL)"] }]);
    await h.sync();
    const [sandbox] = await h.runtime.listPodSandboxes();
    expect(sandbox).toMatchObject({ name: "p", namespace: "ns", attempt: 0, state: "ready" });
    expect(sandbox!.ip).toStartWith("10.42.3.");
    const [run] = await h.runs();
    expect(run).toMatchObject({ name: "app", attempt: 0, state: "running" });
    const given = h.runtime.containerConfigOf(run!.id)!;
    expect(given.env).toEqual([{ name: "LEVEL", value: "3" }]);
    expect(given.args).toEqual(["--level=3"]);
    expect(given.mounts.map((m) => m.containerPath)).toEqual(["/etc/hosts", "/dev/termination-log"]);
    expect(h.statuses.at(-1)).toMatchObject({ phase: "Running", podIP: sandbox!.ip, containerStatuses: [{ name: "app", ready: true, restartCount: 0, state: { running: {} } }] });
    expect(h.events).toContain("Started: Started container app");
    h.worker.stop();
  });

  test("a new pod's containers start in the pass that made its sandbox: one relist, one status (Running), through the start gate", async () => {
    const gate = new StartGate(1);
    const h = harness([{ name: "app", image: "busybox" }], "Always", gate);
    let lists = 0;
    const list = h.runtime.listPodSandboxes.bind(h.runtime);
    h.runtime.listPodSandboxes = (uid?: string) => (lists++, list(uid));
    h.worker.trigger();
    await h.worker.settled();
    expect(lists).toBe(1);
    expect((await h.runs()).map((r) => r.state)).toEqual(["running"]);
    expect(h.statuses).toHaveLength(1);
    expect(h.statuses[0]).toMatchObject({ phase: "Running", containerStatuses: [{ name: "app", state: { running: {} } }] });
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
    h.worker.stop();
  });

  test("CrashLoopBackOff: the first restart at once, then 10 s doubling to 5 min", async () => {
    const h = harness([{ name: "app", image: "busybox", command: ["sh", "-c", "exit 1"] }]);
    await h.sync();
    await h.exited();
    await h.sync();
    expect((await h.runs()).at(-1)!.attempt).toBe(1); // the first crash restarts at once
    const expected: [number, string][] = [[10, "10s"], [20, "20s"], [40, "40s"], [80, "1m20s"], [160, "2m40s"], [300, "5m0s"], [300, "5m0s"]];
    for (const [seconds, shown] of expected) {
      const crashed = await h.exited();
      const attempt = crashed.attempt;
      h.clock.now = crashed.finishedAt + seconds * 1000 - 1;
      await h.sync();
      expect((await h.runs()).at(-1)!.attempt).toBe(attempt);
      expect(h.lastWaiting()).toMatchObject({ reason: "CrashLoopBackOff" });
      expect(h.lastWaiting().message).toStartWith(`back-off ${shown} restarting failed container=app pod=p_ns(`);
      h.clock.now = crashed.finishedAt + seconds * 1000;
      await h.sync();
      expect((await h.runs()).at(-1)!.attempt).toBe(attempt + 1);
    }
    expect(h.statuses.at(-1).containerStatuses[0].restartCount).toBe(8);
    // Only the latest run and the one before it are kept (for `logs --previous`).
    expect((await h.runs()).map((r) => r.attempt)).toEqual([7, 8]);
    expect(h.events.some((e) => e.startsWith("BackOff: Back-off restarting failed container app in pod p_ns("))).toBe(true);
    h.worker.stop();
  });

  test("a run of more than 10 minutes resets the back-off: the next crash restarts at once, then 10 s again", async () => {
    const h = harness([{ name: "app", image: "busybox", command: ["sh", "-c", "sleep 0.05; exit 1"] }]);
    await h.sync();
    await h.exited();
    await h.sync(); // at once
    let crashed = await h.exited();
    h.clock.now = crashed.finishedAt + 10_000;
    await h.sync(); // after 10 s
    const long = (await h.runs()).at(-1)!;
    expect(long).toMatchObject({ attempt: 2, state: "running" });
    h.clock.now += 10 * MIN + 1; // it runs for more than 10 minutes, then crashes
    crashed = await h.exited();
    expect(crashed.finishedAt - crashed.startedAt).toBeGreaterThan(10 * MIN);
    await h.sync();
    expect((await h.runs()).at(-1)!.attempt).toBe(3); // at once, as after a first crash
    crashed = await h.exited();
    h.clock.now = crashed.finishedAt + 9_999;
    await h.sync();
    expect((await h.runs()).at(-1)!.attempt).toBe(3);
    expect(h.lastWaiting().message).toStartWith("back-off 10s ");
    h.clock.now = crashed.finishedAt + 10_000;
    await h.sync();
    expect((await h.runs()).at(-1)!.attempt).toBe(4);
    h.worker.stop();
  });

  test("restartPolicy Never: a crash is final, the sandbox stops, the pod Failed", async () => {
    const h = harness([{ name: "app", image: "busybox", command: ["sh", "-c", "exit 2"] }], "Never");
    await h.sync();
    await h.exited();
    h.clock.now += 3_600_000;
    await h.sync();
    expect((await h.runs()).map((r) => r.attempt)).toEqual([0]);
    expect((await h.runtime.listPodSandboxes())[0]!.state).toBe("notready");
    expect(h.statuses.at(-1)).toMatchObject({ phase: "Failed", containerStatuses: [{ state: { terminated: { exitCode: 2, reason: "Error" } } }] });
    h.worker.stop();
  });
});

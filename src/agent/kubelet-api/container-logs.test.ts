import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeRuntime } from "../runtime/fake.ts";
import type { KubeObject } from "../../model/object.ts";
import { createKubeletApi, type KubeletApi } from "./kubelet-api.ts";
import { podLogDirectory } from "../pods/pod-files.ts";
import { containerConfigFor, sandboxConfigFor } from "../../../test/helpers/fake-pod-configs.ts";

const logRoot = mkdtempSync(join(tmpdir(), "k3rs-agent-logs-"));
const runtime = new FakeRuntime();
const pods = new Map<string, KubeObject>();
let api: KubeletApi;

const POD: KubeObject = {
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "web", namespace: "ns", uid: "uid-web" },
  spec: { initContainers: [{ name: "setup", image: "busybox" }], containers: [{ name: "app", image: "busybox" }, { name: "side", image: "busybox" }, { name: "pending", image: "busybox" }] },
  status: { containerStatuses: [{ name: "pending", state: { waiting: { reason: "ContainerCreating" } } }] },
};

function writeLog(container: string, attempt: number, lines: string[]): string {
  const dir = join(podLogDirectory(POD, logRoot), container);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${attempt}.log`);
  writeFileSync(path, lines.map((l) => `2024-05-01T10:00:00Z stdout F ${l}\n`).join(""));
  return path;
}

beforeAll(async () => {
  pods.set("ns/web", POD);
  api = createKubeletApi({ podByName: (ns, n) => pods.get(`${ns}/${n}`), runtime, logRoot, pollMs: 10 });
  const sb = await runtime.runPodSandbox(sandboxConfigFor(POD), undefined);
  // app: run 0 crashed, run 1 runs; side: one run; setup: finished.
  const crashed = await runtime.createContainer(sb, containerConfigFor({ name: "app", image: "busybox", command: ["sh", "-c", "exit 1"] }, 0), sandboxConfigFor(POD));
  await runtime.startContainer(crashed);
  await Bun.sleep(5);
  await runtime.startContainer(await runtime.createContainer(sb, containerConfigFor({ name: "app", image: "busybox" }, 1), sandboxConfigFor(POD)));
  await runtime.startContainer(await runtime.createContainer(sb, containerConfigFor({ name: "side", image: "busybox" }), sandboxConfigFor(POD)));
  writeLog("app", 0, ["run 0 says goodbye"]);
  writeLog("app", 1, ["run 1 a", "run 1 b", "run 1 c"]);
  writeLog("side", 0, ["from the sidecar"]);
});

afterAll(() => {
  api.close();
  runtime.close();
  rmSync(logRoot, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; text: string }> {
  const res = await api.app.fetch(new Request(`http://agent${path}`));
  return { status: res.status, text: await res.text() };
}

describe("the agent's /containerLogs", () => {
  test("the latest run's log, with tail", async () => {
    expect(await get("/containerLogs/ns/web/app")).toEqual({ status: 200, text: "run 1 a\nrun 1 b\nrun 1 c\n" });
    expect((await get("/containerLogs/ns/web/app?tailLines=1")).text).toBe("run 1 c\n");
    expect((await get("/containerLogs/ns/web/side")).text).toBe("from the sidecar\n");
  });

  test("previous: the run before the latest one", async () => {
    expect(await get("/containerLogs/ns/web/app?previous=true")).toEqual({ status: 200, text: "run 0 says goodbye\n" });
    expect(await get("/containerLogs/ns/web/side?previous=true")).toEqual({ status: 400, text: 'previous terminated container "side" in pod "web" not found' });
  });

  test("the kubelet's answers for what is not there", async () => {
    expect(await get("/containerLogs/ns/nope/app")).toEqual({ status: 404, text: 'pod "nope" does not exist' });
    expect(await get("/containerLogs/ns/web/nope")).toEqual({ status: 404, text: 'container "nope" not found in pod "web"' });
    expect(await get("/containerLogs/ns/web/pending")).toEqual({ status: 400, text: 'container "pending" in pod "web" is waiting to start: ContainerCreating' });
    expect(await get("/containerLogs/ns/web/setup")).toEqual({ status: 400, text: 'container "setup" in pod "web" is waiting to start - no logs yet' });
    expect((await get("/containerLogs/ns/web/app?tailLines=-2")).status).toBe(422);
  });

  test("follow streams what is appended and ends when the container stops", async () => {
    const path = writeLog("side", 0, ["from the sidecar"]);
    const res = await api.app.fetch(new Request("http://agent/containerLogs/ns/web/side?follow=true"));
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let got = dec.decode((await reader.read()).value);
    expect(got).toBe("from the sidecar\n");
    appendFileSync(path, "2024-05-01T10:00:01Z stderr F more\n");
    while (!got.endsWith("more\n")) got += dec.decode((await reader.read()).value);
    const side = (await runtime.listContainers()).find((c) => c.name === "side")!;
    await runtime.stopContainer(side.id);
    appendFileSync(path, "2024-05-01T10:00:02Z stdout F bye\n");
    for (let r = await reader.read(); !r.done; r = await reader.read()) got += dec.decode(r.value);
    expect(got).toBe("from the sidecar\nmore\nbye\n");
  });

  test("a runtime that keeps no log files answers an empty log", async () => {
    const fakeApi = createKubeletApi({ podByName: (ns, n) => pods.get(`${ns}/${n}`), runtime });
    const res = await fakeApi.app.fetch(new Request("http://agent/containerLogs/ns/web/app?follow=true"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    fakeApi.close();
  });
});

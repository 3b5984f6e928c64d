import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import { FakeRuntime } from "../runtime/fake.ts";
import { podLogDirectory } from "../pods/pod-files.ts";
import { containerConfigFor, sandboxConfigFor } from "../../../test/helpers/fake-pod-configs.ts";
import { rotateContainerLogs } from "./log-rotation.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-logrot-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class ReopeningRuntime extends FakeRuntime {
  readonly reopened: string[] = [];
  async reopenContainerLog(id: string): Promise<void> {
    this.reopened.push(id);
  }
}

test("a running container's log over the limit is rotated and reopened; a small one and an exited one are left", async () => {
  const runtime = new ReopeningRuntime();
  const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "ns", uid: "u1" }, spec: {} };
  const sb = await runtime.runPodSandbox(sandboxConfigFor(pod, 0, root), undefined);
  const big = await runtime.createContainer(sb, containerConfigFor({ name: "big", image: "busybox" }));
  const small = await runtime.createContainer(sb, containerConfigFor({ name: "small", image: "busybox" }));
  const done = await runtime.createContainer(sb, containerConfigFor({ name: "done", image: "busybox", command: ["sh", "-c", "exit 0"] }));
  for (const id of [big, small, done]) await runtime.startContainer(id);
  const dir = podLogDirectory(pod, root);
  for (const [name, size] of [["big", 2048], ["small", 10], ["done", 2048]] as const) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, "0.log"), "x".repeat(size));
  }
  while ((await runtime.listContainers()).find((c) => c.id === done)!.state !== "exited") await Bun.sleep(1);
  await rotateContainerLogs(runtime, root, { maxBytes: 1024, maxFiles: 5 });
  expect(runtime.reopened).toEqual([big]);
  expect(readdirSync(join(dir, "big")).filter((f) => f.startsWith("0.log.")).length).toBe(1);
  expect(existsSync(join(dir, "small", "0.log"))).toBe(true);
  expect(readdirSync(join(dir, "done"))).toEqual(["0.log"]);
});

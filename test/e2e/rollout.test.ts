/**
 * `kubectl rollout` and `kubectl scale` against the built server with its embedded agent on
 * the fake runtime: the deployment and ReplicaSet controllers do the work, kubectl judges it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

let s: E2EServer;
async function k(...args: string[]): Promise<string> {
  const r = await s.kubectl(args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n--- server log ---\n${s.logs().slice(-3000)}`);
  return r.stdout;
}

describe.skipIf(!existsSync(KUBECTL))("kubectl rollout", () => {
  beforeAll(async () => {
    s = await startE2EServer({ agent: "fake" });
    await k("create", "namespace", "ro");
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("status waits for the rollout; set env rolls a new revision; history lists both", async () => {
    await k("create", "deployment", "web", "-n", "ro", "--image=busybox", "--replicas=3");
    expect(await k("rollout", "status", "deployment/web", "-n", "ro", "--timeout=30s")).toContain('deployment "web" successfully rolled out');
    await k("set", "env", "deployment/web", "-n", "ro", "MODE=two");
    await k("annotate", "deployment/web", "-n", "ro", "kubernetes.io/change-cause=mode two", "--overwrite");
    expect(await k("rollout", "status", "deployment/web", "-n", "ro", "--timeout=30s")).toContain("successfully rolled out");
    const history = await k("rollout", "history", "deployment/web", "-n", "ro");
    expect(history).toMatch(/^1\s+/m);
    expect(history).toMatch(/^2\s+/m);
    expect(await k("get", "deployment", "web", "-n", "ro", "-o", "jsonpath={.status.updatedReplicas}/{.status.availableReplicas}")).toBe("3/3");
  });

  test("undo goes back to the previous template as a new revision", async () => {
    expect(await k("rollout", "undo", "deployment/web", "-n", "ro")).toContain("rolled back");
    expect(await k("rollout", "status", "deployment/web", "-n", "ro", "--timeout=30s")).toContain("successfully rolled out");
    expect(await k("get", "deployment", "web", "-n", "ro", "-o", "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}")).toBe("3");
    expect(await k("get", "deployment", "web", "-n", "ro", "-o", "jsonpath={.spec.template.spec.containers[0].env}")).toBe("");
  });

  test("restart, pause and resume, scale", async () => {
    expect(await k("rollout", "restart", "deployment/web", "-n", "ro")).toContain("restarted");
    expect(await k("rollout", "status", "deployment/web", "-n", "ro", "--timeout=30s")).toContain("successfully rolled out");
    expect(await k("rollout", "pause", "deployment/web", "-n", "ro")).toContain("paused");
    await k("set", "image", "deployment/web", "-n", "ro", "busybox=busybox:2");
    await k("scale", "deployment/web", "-n", "ro", "--replicas=5");
    const deadline = Date.now() + 30_000;
    while ((await k("get", "deployment", "web", "-n", "ro", "-o", "jsonpath={.status.availableReplicas}")) !== "5" && Date.now() < deadline) await Bun.sleep(100);
    expect(await k("get", "deployment", "web", "-n", "ro", "-o", "jsonpath={.status.availableReplicas}")).toBe("5");
    expect(await k("get", "rs", "-n", "ro", "-o", "jsonpath={range .items[*]}{.spec.template.spec.containers[0].image}{\"\\n\"}{end}")).not.toContain("busybox:2");
    expect(await k("rollout", "resume", "deployment/web", "-n", "ro")).toContain("resumed");
    expect(await k("rollout", "status", "deployment/web", "-n", "ro", "--timeout=30s")).toContain("successfully rolled out");
    expect(await k("get", "pods", "-n", "ro", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}")).toContain("busybox:2");
  });

  test("delete cascades to ReplicaSets and pods", async () => {
    await k("delete", "deployment", "web", "-n", "ro", "--cascade=foreground", "--wait");
    const deadline = Date.now() + 30_000;
    while ((await k("get", "pods", "-n", "ro", "-o", "name")).trim() !== "" && Date.now() < deadline) await Bun.sleep(100);
    expect((await k("get", "rs,pods", "-n", "ro", "-o", "name")).trim()).toBe("");
  });
});

/**
 * `kubectl cordon|uncordon|drain` end to end: the built server (its own hollow node) and a
 * `k3rs agent --simulate 2` process, a Deployment under a PodDisruptionBudget and a
 * DaemonSet; the real kubectl evicts through pods/eviction and honours the budget.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K3RS_BIN, KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";

let s: E2EServer;
let agent: ReturnType<typeof Bun.spawn> | undefined;
const agentDir = mkdtempSync(join(tmpdir(), "k3rs-e2e-drain-"));

async function k(...args: string[]): Promise<string> {
  const r = await s.kubectl(args, { timeoutMs: 90_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n--- server log ---\n${s.logs().slice(-3000)}`);
  return r.stdout + r.stderr;
}

async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${s.logs().slice(-2000)}`);
    await Bun.sleep(200);
  }
}

/** node name → names of the app=web pods on it that are not being deleted. */
async function webPodsByNode(): Promise<Map<string, string[]>> {
  const pods = JSON.parse(await k("get", "pods", "-n", "dr", "-l", "app=web", "-o", "json")).items;
  const out = new Map<string, string[]>();
  for (const p of pods) {
    if (p.metadata.deletionTimestamp || !p.spec.nodeName) continue;
    out.set(p.spec.nodeName, [...(out.get(p.spec.nodeName) ?? []), p.metadata.name]);
  }
  return out;
}

describe.skipIf(!existsSync(KUBECTL))("kubectl drain", () => {
  beforeAll(async () => {
    s = await startE2EServer({ agent: "fake" });
    const token = readFileSync(join(s.dataDir, "server", "token"), "utf8").trim();
    agent = Bun.spawn([K3RS_BIN, "agent", "--server", `https://127.0.0.1:${s.port}`, "--token", token, "--simulate", "2", "--node-name", "drw", "--data-dir", agentDir], { stdout: "ignore", stderr: "pipe" });
    await until("3 Ready nodes", async () => (await k("get", "nodes", "--no-headers")).split("\n").filter((l) => /\sReady\s/.test(l)).length === 3);
    await k("create", "namespace", "dr");
    await k("create", "deployment", "web", "-n", "dr", "--image=busybox", "--replicas=6");
    await k("set", "resources", "deployment/web", "-n", "dr", "--requests=cpu=100m,memory=32Mi");
    await k("rollout", "status", "deployment/web", "-n", "dr", "--timeout=60s");
    const ds = JSON.stringify({
      apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "dr" },
      spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
    });
    expect((await s.kubectl(["apply", "-f", "-"], { stdin: ds })).code).toBe(0);
    await k("rollout", "status", "daemonset/agent", "-n", "dr", "--timeout=60s");
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null) agent.kill("SIGTERM");
    await agent?.exited;
    await s?.stop();
    rmSync(agentDir, { recursive: true, force: true });
  });

  test("cordon marks the node unschedulable; uncordon undoes it", async () => {
    expect(await k("cordon", "drw-0")).toContain("node/drw-0 cordoned");
    expect(await k("get", "node", "drw-0", "-o", "jsonpath={.spec.unschedulable}")).toBe("true");
    await until("unschedulable taint", async () => (await k("get", "node", "drw-0", "-o", "jsonpath={.spec.taints[*].key}")).includes("node.kubernetes.io/unschedulable"));
    expect(await k("get", "nodes")).toMatch(/drw-0\s+Ready,SchedulingDisabled/);
    expect(await k("uncordon", "drw-0")).toContain("node/drw-0 uncordoned");
    expect(await k("get", "node", "drw-0", "-o", "jsonpath={.spec.unschedulable}")).toBe("");
  });

  test("drain evicts a node's pods within the budget; they come back on the other nodes", async () => {
    await k("create", "poddisruptionbudget", "web", "-n", "dr", "--selector=app=web", "--max-unavailable=1");
    await until("budget observed", async () => (await k("get", "pdb", "web", "-n", "dr", "-o", "jsonpath={.status.disruptionsAllowed}")) === "1");
    const before = await webPodsByNode();
    const [target] = [...before.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    const out = await k("drain", target, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s");
    expect(out).toContain(`node/${target} cordoned`);
    expect(out).toContain(`node/${target} drained`);
    for (const name of before.get(target)!) expect(out).toContain(`evicting pod dr/${name}`);
    expect(out).toMatch(/Warning: ignoring DaemonSet-managed Pods: dr\/agent-/);
    await k("rollout", "status", "deployment/web", "-n", "dr", "--timeout=60s");
    const after = await webPodsByNode();
    expect(after.get(target) ?? []).toEqual([]);
    expect([...after.values()].flat()).toHaveLength(6);
    // The DaemonSet pod stays on the drained node.
    expect(await k("get", "pods", "-n", "dr", "-l", "app=agent", "--field-selector", `spec.nodeName=${target}`, "-o", "name")).toMatch(/^pod\/agent-/);
    await k("uncordon", target);
  });

  test("a budget that allows no disruption stops drain with kubectl's message", async () => {
    await k("delete", "pdb", "web", "-n", "dr");
    await k("create", "poddisruptionbudget", "web-strict", "-n", "dr", "--selector=app=web", "--min-available=6");
    await until("strict budget observed", async () => (await k("get", "pdb", "web-strict", "-n", "dr", "-o", "jsonpath={.status.observedGeneration}/{.status.disruptionsAllowed}")) === "1/0");
    const [target] = [...(await webPodsByNode()).keys()];
    const r = await s.kubectl(["drain", target!, "--ignore-daemonsets", "--timeout=6s"], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(r.stderr).toMatch(/error when evicting pods\/"web-[a-z0-9-]+" -n "dr"/);
    await k("uncordon", target!);
  });
});

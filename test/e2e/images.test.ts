/**
 * Cluster images, end to end: the built server with its embedded agent on its own
 * containerd starts with NO image in its images dir; `k3rs ctl image import` sends the
 * busybox archive through the server, the agent downloads and imports it, the node reports
 * it in status.images, and a pod with `imagePullPolicy: Never` runs it. Also: `image ls`
 * counts the node, a missing image with Never is ErrImageNeverPull, and the node's
 * pressure conditions and allocatable come from real readings. Root only, with
 * containerd/runc/CNI installed (.ci/run installs them); nothing is pulled.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K3RS_BIN, KUBECTL, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";
import { addSafetyRoutes, CAN_RUN_PODS, cleanupRealNode } from "../helpers/real-node.ts";
import { BUSYBOX_IMAGE, ensureTestImages } from "../helpers/test-images.ts";
import { bridgeNameFor } from "../../src/agent/cni/cni-config.ts";

let s: E2EServer;
let dataDir = "";
let busyboxArchive = "";
const NODE = "e2e-images";
const NS = "imgs";

async function k(...args: string[]): Promise<string> {
  const r = await s.kubectl(args, { timeoutMs: 90_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}\n--- server log ---\n${s.logs().slice(-4000)}`);
  return r.stdout;
}

async function ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([K3RS_BIN, "ctl", ...args, "--kubeconfig", s.kubeconfig], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill(9), 60_000);
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function apply(obj: object): Promise<void> {
  const r = await s.kubectl(["apply", "-f", "-"], { stdin: JSON.stringify(obj) });
  if (r.code !== 0) throw new Error(`apply failed: ${r.stderr}`);
}

/** Polls until fn() is truthy; the timeout is a hang guard, not a threshold under test. */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- server log ---\n${s.logs().slice(-4000)}`);
    await Bun.sleep(250);
  }
}

const pod = async (name: string) => JSON.parse(await k("get", "pod", name, "-n", NS, "-o", "json"));

const podSpec = (name: string, image: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
  spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image, imagePullPolicy: "Never", command: ["sh", "-c", "exit 0"] }] },
});

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("cluster images on a real node", () => {
  beforeAll(async () => {
    await addSafetyRoutes();
    busyboxArchive = (await ensureTestImages()).busybox;
    dataDir = mkdtempSync(join(tmpdir(), "k3rs-e2e-images-"));
    // Unlike pods.test.ts, nothing is copied into <data-dir>/agent/images: the image comes through the server.
    s = await startE2EServer({ dataDir, agent: "containerd", nodeName: NODE });
    await until("node Ready", async () => (await k("get", "node", NODE, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")) === "True");
    await k("create", "namespace", NS);
  });

  afterAll(async () => {
    if (s) {
      await s.kubectl(["delete", "namespace", NS, "--wait=true", "--timeout=60s"], { timeoutMs: 70_000 });
      await s.stop();
    }
    if (dataDir) await cleanupRealNode({ dataDir, bridge: bridgeNameFor(dataDir), podCidr: "10.42.0.0/24" });
  });

  test("before the import, busybox is nowhere on the node", async () => {
    expect(readdirSync(join(dataDir, "agent", "images"))).toEqual([]);
    expect(await k("get", "node", NODE, "-o", "jsonpath={.status.images}")).not.toContain(BUSYBOX_IMAGE);
  });

  test("k3rs ctl image import sends the archive; the node imports it and reports it in status.images", async () => {
    const r = await ctl("image", "import", busyboxArchive);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported docker\.io\/library\/busybox:latest, docker\.io\/k3rs\/busybox:test \([0-9a-f]{12}\)\n$/);
    const images = await until("busybox in node status.images", async () => {
      const out = await k("get", "node", NODE, "-o", "jsonpath={.status.images}");
      return out.includes(BUSYBOX_IMAGE) ? JSON.parse(out) : undefined;
    });
    const busybox = images.find((i: any) => i.names.includes(BUSYBOX_IMAGE));
    expect(busybox.sizeBytes).toBeGreaterThan(0);
    expect(busybox.names).toContain("docker.io/k3rs/busybox:test");
    // Largest first, as the kubelet orders them.
    const sizes = images.map((i: any) => i.sizeBytes);
    expect(sizes).toEqual([...sizes].sort((a: number, b: number) => b - a));
  });

  test("a pod with imagePullPolicy Never runs the imported busybox", async () => {
    await apply(podSpec("uses-imported", "busybox"));
    const done = await until("pod uses-imported finished", async () => {
      const p = await pod("uses-imported");
      return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
    });
    expect(done.status.phase).toBe("Succeeded");
    expect(done.status.containerStatuses[0]).toMatchObject({ image: BUSYBOX_IMAGE, state: { terminated: { exitCode: 0, reason: "Completed" } } });
  });

  test("k3rs ctl image ls shows the image on 1 node", async () => {
    const r = await ctl("image", "ls");
    expect(r.code).toBe(0);
    const row = r.stdout.split("\n").map((l) => l.trim().split(/\s+/)).find((c) => c[0] === BUSYBOX_IMAGE);
    expect(row).toBeDefined();
    expect(row![1]).toMatch(/^[0-9a-f]{12}$/);
    expect(row![3]).toBe("1");
    const json = JSON.parse((await ctl("image", "ls", "-o", "json")).stdout);
    expect(json.items.find((i: any) => i.names.includes(BUSYBOX_IMAGE)).nodes).toBe(1);
  });

  test("an image that is not there, with imagePullPolicy Never, waits with ErrImageNeverPull", async () => {
    await apply(podSpec("never-pull", "nothere:1"));
    const waiting = await until("ErrImageNeverPull", async () => {
      const w = (await pod("never-pull")).status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === "ErrImageNeverPull" ? w : undefined;
    });
    expect(waiting.message).toContain("nothere:1");
  });

  test("node status comes from real readings: no pressure here, allocatable below capacity by the eviction thresholds", async () => {
    const node = JSON.parse(await k("get", "node", NODE, "-o", "json"));
    const cond = (t: string) => node.status.conditions.find((c: any) => c.type === t);
    expect(cond("MemoryPressure")).toMatchObject({ status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" });
    expect(cond("DiskPressure")).toMatchObject({ status: "False", reason: "KubeletHasNoDiskPressure" });
    expect(cond("PIDPressure")).toMatchObject({ status: "False", reason: "KubeletHasSufficientPID" });
    const ki = (q: string) => Number(q.replace(/Ki$/, ""));
    expect(ki(node.status.capacity.memory) - ki(node.status.allocatable.memory)).toBe(102400);
    const eph = (q: string) => (q.endsWith("Ki") ? Number(q.slice(0, -2)) * 1024 : Number(q));
    const cap = eph(node.status.capacity["ephemeral-storage"]);
    expect(cap - eph(node.status.allocatable["ephemeral-storage"])).toBe(Math.ceil(cap * 0.1));
  });
});

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
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { K3RS_BIN, KUBECTL } from "../helpers/e2e-server.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";
import { BUSYBOX_IMAGE, ensureTestImages } from "../helpers/test-images.ts";

let c: RealCluster;
const k = (...args: string[]) => c.k(...args);
const apply = (obj: object) => c.apply(obj);
const until = <T,>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) => c.until(what, fn, timeoutMs);
let busyboxArchive = "";
const NODE = "e2e-images";
const NS = "imgs";

async function ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([K3RS_BIN, "ctl", ...args, "--kubeconfig", c.server.kubeconfig], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill(9), 60_000);
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const pod = async (name: string) => JSON.parse(await k("get", "pod", name, "-n", NS, "-o", "json"));

const podSpec = (name: string, image: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
  spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image, imagePullPolicy: "Never", command: ["sh", "-c", "exit 0"] }] },
});

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("cluster images on a real node", () => {
  beforeAll(async () => {
    busyboxArchive = (await ensureTestImages()).busybox;
    // Unlike pods.test.ts, nothing is put into <data-dir>/agent/images: the image comes through the server.
    c = await startRealCluster({ name: "images", namespace: NS, preloadImages: false });
  });

  afterAll(async () => {
    await c?.close();
  });

  test("before the import, busybox is nowhere on the node", async () => {
    expect(readdirSync(join(c.dataDir, "agent", "images"))).toEqual([]);
    expect(await k("get", "node", NODE, "-o", "jsonpath={.status.images}")).not.toContain(BUSYBOX_IMAGE);
  });

  test("k3rs ctl image import sends the archive; the node imports it and reports it in status.images", async () => {
    const r = await ctl("image", "import", busyboxArchive);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported docker\.io\/library\/busybox:latest, docker\.io\/k3rs\/busybox:test \([0-9a-f]{12}\)\n$/);
    // containerd registers an archive's names one at a time, and a status report may fall in between.
    const images = await until("busybox under both names in node status.images", async () => {
      const out = await k("get", "node", NODE, "-o", "jsonpath={.status.images}");
      return out.includes(BUSYBOX_IMAGE) && out.includes("docker.io/k3rs/busybox:test") ? JSON.parse(out) : undefined;
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

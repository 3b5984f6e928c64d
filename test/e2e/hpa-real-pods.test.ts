/**
 * HorizontalPodAutoscaler on real pods (test/helpers/multi-node.ts, one server node in its own
 * network namespace): a busybox Deployment with a CPU request burns CPU while /tmp/burn exists;
 * `kubectl autoscale --cpu-percent=50 --min=1 --max=3` scales it up once the file is created
 * (metrics.k8s.io from the kubelet's real cgroup usage) and back down to 1 once it is removed,
 * after the scale-down stabilization window, shortened with
 * `--kube-controller-manager-arg horizontal-pod-autoscaler-downscale-stabilization=20s`.
 * The times to scale are printed, not asserted. On the same cluster, the official Python client
 * (python3-kubernetes) streams from a real pod: exec over the WebSocket (output, stdout/stderr
 * apart with the exit code, stdin) and logs, whole, tailed and followed
 * (test/fixtures/python/stream-calls.py); test/e2e/python-client.test.ts covers its other calls.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { leftovers, startMultiNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl");
const PREFIX = "hp";
const T = 150_000;
const PYTHON = "/usr/bin/python3";
const HAS_PY_CLIENT = existsSync(PYTHON) && Bun.spawnSync([PYTHON, "-c", "import kubernetes"]).exitCode === 0; // a ceiling against hangs, not a performance threshold

// Busy only while /tmp/burn exists; the limit keeps the burn to a fifth of a core on a shared machine.
const BURN = "while true; do if [ -f /tmp/burn ]; then :; else sleep 1; fi; done";

/** Counts a line a second, so a followed log has new lines to stream. */
function talkerPod(ns: string): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "talker", namespace: ns },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "talker", image: "busybox", command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 1; done"] }] },
  };
}

function burnDeployment(ns: string): object {
  const labels = { app: "burn" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "burn", namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "burn", image: "busybox", command: ["sh", "-c", BURN], resources: { requests: { cpu: "50m" }, limits: { cpu: "200m" } } }],
        },
      },
    },
  };
}

describe.skipIf(!CAN_RUN)("HPA on real pods", () => {
  let c: MultiNodeCluster;

  beforeAll(async () => {
    c = await startMultiNode({
      prefix: PREFIX,
      subnet: 239,
      clusterCidr: "10.42.72.0/21",
      agents: 0,
      serverArgs: ["--kube-controller-manager-arg", "horizontal-pod-autoscaler-sync-period=5s", "--kube-controller-manager-arg", "horizontal-pod-autoscaler-downscale-stabilization=20s"],
    });
    await c.apply(burnDeployment(c.namespace), talkerPod(c.namespace));
  }, T);

  afterAll(async () => {
    await c?.close();
    expect(await leftovers(PREFIX)).toEqual([]);
  }, T);

  const replicas = async () => Number((await c.k("get", "deployment", "burn", "-n", c.namespace, "-o", "jsonpath={.spec.replicas}")) || 0);

  test("kubectl autoscale scales the Deployment up under CPU load and back down to its minimum without it", async () => {
    const pod = await c.waitFor("the burn pod running", async () => {
      const pods = (await c.json("get", "pods", "-n", c.namespace, "-l", "app=burn")).items;
      return pods.find((p: any) => p.status?.phase === "Running")?.metadata.name as string | undefined;
    });
    await c.k("autoscale", "deployment", "burn", "-n", c.namespace, "--cpu-percent=50", "--min=1", "--max=3");
    // Idle first: the HPA reads a metric and keeps one replica.
    const idle = await c.waitFor("the HPA to read the idle pod's CPU", async () => {
      const hpa = await c.json("get", "hpa", "burn", "-n", c.namespace);
      return hpa.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization !== undefined ? hpa : undefined;
    });
    expect(idle.status.currentMetrics[0].resource.current.averageUtilization).toBeLessThan(50);
    expect(await replicas()).toBe(1);

    await c.execInPod(pod, ["touch", "/tmp/burn"]);
    const loadedAt = performance.now();
    await c.waitFor("the HPA to scale up to 3", async () => (await replicas()) === 3, 120_000);
    const upSeconds = (performance.now() - loadedAt) / 1000;
    const hpa = await c.json("get", "hpa", "burn", "-n", c.namespace);
    expect(hpa.status.currentMetrics[0].resource.current.averageUtilization).toBeGreaterThan(50);
    const events = (await c.json("get", "events", "-n", c.namespace, "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler")).items;
    expect(events.map((e: any) => e.reason)).toContain("SuccessfulRescale");

    await c.execInPod(pod, ["rm", "/tmp/burn"]);
    const idleAt = performance.now();
    await c.waitFor("the HPA to scale back down to 1", async () => (await replicas()) === 1, 120_000);
    const downSeconds = (performance.now() - idleAt) / 1000;
    console.log(`HPA on real pods: 1 → 3 in ${upSeconds.toFixed(1)} s after the load started; 3 → 1 in ${downSeconds.toFixed(1)} s after it stopped (20 s stabilization window, 15 s metric resolution, 5 s sync)`);
  }, 280_000);

  test.skipIf(!HAS_PY_CLIENT)("the Python client's exec and log streams work against a real pod", async () => {
    await c.podReady("talker");
    await c.waitFor("three log lines", async () => (await c.k("logs", "talker", "-n", c.namespace)).split("\n").length > 3);
    const p = Bun.spawn([PYTHON, join(import.meta.dir, "../fixtures/python/stream-calls.py"), c.kubeconfig, c.namespace, "talker"], { stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => p.kill(9), 90_000);
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    clearTimeout(timer);
    if (code !== 0) throw new Error(`stream-calls.py exited ${code}: ${err.slice(-2000)}`);
    const seen = JSON.parse(out.trim().split("\n").at(-1)!);
    expect(seen.exec).toBe("hello from talker\n");
    expect(seen.exec_channels).toEqual({ stdout: "out\n", stderr: "err\n", returncode: 3 });
    expect(seen.exec_stdin).toBe("typed in\n");
    expect(seen.logs).toEqual(["line 1", "line 2", "line 3"]);
    expect(seen.logs_tail).toMatch(/^line \d+\n$/);
    const followed = (seen.logs_follow as string[]).map((l) => Number(/^line (\d+)$/.exec(l)?.[1]));
    expect({ lines: seen.logs_follow, consecutive: followed.every((n, i) => n === followed[0]! + i) }).toEqual({ lines: seen.logs_follow, consecutive: true });
  }, T);
});

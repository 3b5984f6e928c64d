/**
 * `kubectl logs` end to end: the built server with its embedded agent on its own containerd,
 * the logs read by the agent from containerd's CRI files and carried to the server through
 * the agent tunnel (over loopback, as any agent's), driven with the real kubectl. Root only,
 * with containerd/runc/CNI installed. Its own data dir, node name and pod network
 * (10.42.64.0/18) so that it can run beside the other real-pod tests.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";

let c: RealCluster;
const k = (...args: string[]) => c.k(...args);
const apply = (obj: object) => c.apply(obj);
const until = <T,>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) => c.until(what, fn, timeoutMs);
const NS = "logs";

function pod(name: string, containers: { name: string; script: string }[], extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
    spec: { terminationGracePeriodSeconds: 1, ...extra, containers: containers.map((c) => ({ name: c.name, image: "busybox", command: ["sh", "-c", c.script] })) },
  };
}

async function status(name: string): Promise<any> {
  return JSON.parse(await k("get", "pod", name, "-n", NS, "-o", "json")).status ?? {};
}

const TICKER = "echo one; echo two >&2; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done";
const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) /;

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("kubectl logs on real containers", () => {
  beforeAll(async () => {
    c = await startRealCluster({ name: "logs", namespace: NS, clusterCidr: "10.42.64.0/18" });
    await apply(pod("ticker", [{ name: "main", script: TICKER }]));
    await apply(pod("duo", [{ name: "a", script: "echo from-a; sleep 1000" }, { name: "b", script: "echo from-b; sleep 1000" }]));
    await apply(pod("crasher", [{ name: "main", script: "echo run; exit 1" }]));
  }, 180_000);

  afterAll(async () => {
    await c?.close();
  }, 120_000);

  test("a pod's stdout and stderr, in order", async () => {
    const out = await until("ticks in the log", async () => {
      const r = await c.server.kubectl(["logs", "ticker", "-n", NS]);
      return r.code === 0 && r.stdout.includes("tick 3\n") ? r.stdout : undefined;
    });
    // stdout and stderr reach containerd through separate pipes: each keeps its order, not their mix.
    const lines = out.split("\n");
    expect(lines.filter((l) => l !== "two").slice(0, 4)).toEqual(["one", "tick 0", "tick 1", "tick 2"]);
    expect(lines.slice(0, 5)).toContain("two");
  });

  test("--tail and --timestamps", async () => {
    const tail = (await k("logs", "ticker", "-n", NS, "--tail=2")).split("\n").filter(Boolean);
    expect(tail).toHaveLength(2);
    const [a, b] = tail.map((l) => Number(/^tick (\d+)$/.exec(l)![1]));
    expect(b).toBe(a! + 1);
    const stamped = (await k("logs", "ticker", "-n", NS, "--timestamps", "--tail=3")).split("\n").filter(Boolean);
    expect(stamped).toHaveLength(3);
    for (const l of stamped) expect(l).toMatch(TIMESTAMPED);
    expect(stamped[2]!.replace(TIMESTAMPED, "")).toMatch(/^tick \d+$/);
    const head = (await k("logs", "ticker", "-n", NS, "--timestamps")).split("\n").slice(0, 5);
    for (const l of head) expect(l).toMatch(TIMESTAMPED);
    expect(head.map((l) => l.replace(TIMESTAMPED, ""))).toContain("two");
  });

  test("--since leaves out what is older", async () => {
    // The container's own start (the pod's startTime is set before its sandbox exists); whole seconds.
    await until("the container running for 4 s", async () => {
      const started = (await status("ticker")).containerStatuses?.[0]?.state?.running?.startedAt;
      return started && Date.now() - Date.parse(started) > 4000;
    });
    const recent = await k("logs", "ticker", "-n", NS, "--since=2s");
    expect(recent).not.toContain("one\n");
    expect(recent).toMatch(/tick \d+\n/);
  });

  test("-f streams new lines as the container writes them", async () => {
    const p = Bun.spawn([KUBECTL, "--kubeconfig", c.server.kubeconfig, "logs", "-f", "ticker", "-n", NS, "--tail=1"], {
      stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: c.dataDir, KUBECACHEDIR: join(c.dataDir, "kubecache") },
    });
    try {
      const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      let text = "";
      const seen = () => [...text.matchAll(/tick (\d+)\n/g)].map((m) => Number(m[1]));
      const deadline = Date.now() + 60_000;
      while (seen().length < 4 && Date.now() < deadline) {
        const r = await reader.read();
        if (r.done) break;
        text += dec.decode(r.value);
      }
      const ticks = seen();
      expect(ticks.length).toBeGreaterThanOrEqual(4);
      // The first is the tail; the rest arrived while following, one after another.
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBe(ticks[i - 1]! + 1);
      expect(text).not.toContain("one\n");
    } finally {
      p.kill(9);
      await p.exited;
    }
  });

  test("-c picks a container of a two-container pod; the API without one says which to choose", async () => {
    await until("duo running", async () => (await status("duo")).phase === "Running");
    expect(await until("b's log", async () => (await c.server.kubectl(["logs", "duo", "-n", NS, "-c", "b"])).stdout || undefined)).toBe("from-b\n");
    expect(await k("logs", "duo", "-n", NS, "-c", "a")).toBe("from-a\n");
    // kubectl itself defaults to the first container and says so; the API refuses to guess.
    const defaulted = await c.server.kubectl(["logs", "duo", "-n", NS]);
    expect(defaulted.stdout).toBe("from-a\n");
    expect(defaulted.stderr).toContain('Defaulted container "a" out of: a, b');
    const raw = await c.server.kubectl(["get", "--raw", `/api/v1/namespaces/${NS}/pods/duo/log`]);
    expect(raw.code).not.toBe(0);
    expect(raw.stderr).toContain("a container name must be specified for pod duo, choose one of: [a b]");
    const wrong = await c.server.kubectl(["logs", "duo", "-n", NS, "-c", "nope"]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("container nope is not valid for pod duo");
  });

  test("--previous shows the run before the restart", async () => {
    await until("a restart of crasher", async () => ((await status("crasher")).containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    expect(await k("logs", "crasher", "-n", NS, "--previous")).toBe("run\n");
    expect(await k("logs", "crasher", "-n", NS)).toBe("run\n");
    const none = await c.server.kubectl(["logs", "ticker", "-n", NS, "--previous"]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('previous terminated container "main" in pod "ticker" not found');
  });
});

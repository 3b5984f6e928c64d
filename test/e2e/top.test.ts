/**
 * `kubectl top` end to end: the built server with its embedded agent on its own containerd;
 * the agent reads node usage from the host and container usage from containerd's CRI stats,
 * the server scrapes it through the agent tunnel every 15 s and serves metrics.k8s.io, and
 * the real kubectl reads it. A pod spinning a CPU and an idle one; a Node object without an
 * agent shows as kubectl shows nodes whose metrics are missing. Root only, with
 * containerd/runc/CNI installed; its own data dir, node name and pod network (10.42.192.0/18).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";

let c: RealCluster;
const k = (...args: string[]) => c.k(...args);
const apply = (obj: object) => c.apply(obj);
const until = <T,>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) => c.until(what, fn, timeoutMs);
const NODE = "e2e-top";
const NO_AGENT = "e2e-top-no-agent";
const NS = "top";

function pod(name: string, script: string): object {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS, labels: { app: name } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }] },
  };
}

/** Rows of kubectl's table output as whitespace-split cells, header included. */
const rows = (out: string) => out.trim().split("\n").map((l) => l.trim().split(/\s+/));
const millicores = (cell: string) => (cell.endsWith("m") ? Number(cell.slice(0, -1)) : Number(cell) * 1000);

/** `kubectl top pod` once both pods have metrics: name → millicores. */
async function podCpu(): Promise<Map<string, number>> {
  return until("metrics for both pods", async () => {
    const r = await c.server.kubectl(["top", "pod", "-n", NS]);
    if (r.code !== 0) return undefined;
    const table = rows(r.stdout);
    const m = new Map(table.slice(1).map((c) => [c[0]!, millicores(c[1]!)]));
    return m.has("busy") && m.has("idle") ? m : undefined;
  });
}

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("kubectl top on real containers", () => {
  beforeAll(async () => {
    c = await startRealCluster({ name: "top", namespace: NS, clusterCidr: "10.42.192.0/18" });
    await apply(pod("busy", "while :; do :; done"));
    await apply(pod("idle", "sleep 100000"));
    for (const name of ["busy", "idle"]) {
      await until(`${name} Running`, async () => (await k("get", "pod", name, "-n", NS, "-o", "jsonpath={.status.phase}")) === "Running");
    }
    // A node no agent serves (unschedulable, so nothing lands on it): it has no metrics.
    await apply({ apiVersion: "v1", kind: "Node", metadata: { name: NO_AGENT }, spec: { unschedulable: true } });
  }, 240_000);

  afterAll(async () => {
    if (c?.server) await c.server.kubectl(["delete", "node", NO_AGENT, "--wait=false"]);
    await c?.close();
  }, 120_000);

  test("kubectl top pod: the pod spinning a CPU uses more than the idle one; --sort-by=cpu puts it first", async () => {
    const cpu = await podCpu();
    expect(cpu.get("busy")!).toBeGreaterThan(cpu.get("idle")!);
    const header = rows(await k("top", "pod", "-n", NS))[0];
    expect(header).toEqual(["NAME", "CPU(cores)", "MEMORY(bytes)"]);
    const sorted = rows(await k("top", "pod", "-n", NS, "--sort-by=cpu")).slice(1).map((c) => c[0]);
    expect(sorted).toEqual(["busy", "idle"]);
  }, 180_000);

  test("--containers lists container rows; -A adds the namespace; -l selects", async () => {
    await podCpu();
    const containers = rows(await k("top", "pod", "-n", NS, "--containers"));
    expect(containers[0]).toEqual(["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]);
    expect(containers.slice(1).map((c) => `${c[0]}/${c[1]}`).sort()).toEqual(["busy/main", "idle/main"]);
    for (const c of containers.slice(1)) {
      expect(c[2]).toMatch(/^\d+m$/);
      expect(c[3]).toMatch(/^\d+Mi$/);
    }
    const all = rows(await k("top", "pod", "-A"));
    expect(all[0]).toEqual(["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]);
    expect(all.filter((c) => c[0] === NS).map((c) => c[1]).sort()).toEqual(["busy", "idle"]);
    expect(rows(await k("top", "pod", "-n", NS, "-l", "app=idle")).slice(1).map((c) => c[0])).toEqual(["idle"]);
  }, 180_000);

  test("kubectl top node: CPU and memory with percentages of allocatable; a node without metrics is <unknown>", async () => {
    const out = await until("node metrics", async () => {
      const r = await c.server.kubectl(["top", "node"]);
      return r.code === 0 && new RegExp(`^${NODE}\\s+\\d+m`, "m").test(r.stdout) ? r.stdout : undefined;
    });
    const table = rows(out);
    expect(table[0]).toEqual(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]);
    const row = table.find((c) => c[0] === NODE)!;
    expect(row[1]).toMatch(/^\d+m$/);
    expect(row[2]).toMatch(/^\d+%$/);
    expect(row[3]).toMatch(/^\d+Mi$/);
    expect(row[4]).toMatch(/^\d+%$/);
    // The spinning pod alone keeps the node busy.
    expect(millicores(row[1]!)).toBeGreaterThan(0);
    expect(Number(row[3]!.slice(0, -2))).toBeGreaterThan(0);
    expect(table.find((c) => c[0] === NO_AGENT)).toEqual([NO_AGENT, "<unknown>", "<unknown>", "<unknown>", "<unknown>"]);
    const one = await c.server.kubectl(["top", "node", NO_AGENT]);
    expect(one.code).not.toBe(0);
    expect(one.stderr).toContain(`nodemetrics.metrics.k8s.io "${NO_AGENT}" not found`);
  }, 180_000);

  test("the raw API: NodeMetrics with a window, PodMetrics with its containers", async () => {
    await podCpu();
    const node = JSON.parse(await k("get", "--raw", `/apis/metrics.k8s.io/v1beta1/nodes/${NODE}`));
    expect(node).toMatchObject({ kind: "NodeMetrics", apiVersion: "metrics.k8s.io/v1beta1", metadata: { name: NODE } });
    expect(node.window).toMatch(/^(\d+m)?\d+(\.\d+)?s$/);
    expect(node.usage.cpu).toMatch(/^\d+[num]?$/);
    expect(node.usage.memory).toMatch(/^\d+(Ki|Mi|Gi)?$/);
    const busy = JSON.parse(await k("get", "--raw", `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/busy`));
    expect(busy.metadata).toMatchObject({ name: "busy", namespace: NS, labels: { app: "busy" } });
    expect(busy.containers.map((c: any) => c.name)).toEqual(["main"]);
    const got = await k("get", "podmetrics", "-n", NS);
    expect(rows(got)[0]).toEqual(["NAME", "CPU", "MEMORY", "WINDOW"]);
  }, 180_000);
});

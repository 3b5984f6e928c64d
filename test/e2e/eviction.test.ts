/**
 * End-to-end node-pressure eviction on a real node: the built server with its embedded agent
 * on containerd, told by `--kubelet-arg eviction-hard=memory.available<100%` that any free
 * memory is too little, so the node is under memory pressure from its first reading — the one
 * way to press a real node without starving the machine the tests run on. Real busybox pods
 * that tolerate the pressure taint are evicted one per check, lowest priority first, their
 * containers stopped; a pod of a system class is never evicted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";

const NS = "evict";
let c: RealCluster;

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("node-pressure eviction on containerd", () => {
  beforeAll(async () => {
    c = await startRealCluster({ name: "evict", namespace: NS, clusterCidr: "10.42.88.0/21", extraArgs: ["--kubelet-arg", "eviction-hard=memory.available<100%"] });
  });
  afterAll(async () => {
    await c?.close();
  });

  const pod = (name: string, priorityClassName?: string) => ({
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
    spec: {
      terminationGracePeriodSeconds: 1,
      tolerations: [{ key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" }],
      containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"] }],
      ...(priorityClassName ? { priorityClassName } : {}),
    },
  });
  const get = async (name: string) => JSON.parse(await c.k("get", "pod", name, "-n", NS, "-o", "json"));

  test("under memory pressure the agent evicts the lowest priority first, stops its containers, and never a critical pod", async () => {
    const node = JSON.parse(await c.k("get", "node", c.nodeName, "-o", "json"));
    expect(node.status.conditions.find((x: any) => x.type === "MemoryPressure")).toMatchObject({ status: "True", reason: "KubeletHasInsufficientMemory" });
    expect(node.status.allocatable.memory).toBe("0");

    await c.apply({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "evict-keep" }, value: 1000 });
    for (const [name, cls] of [["critical", "system-node-critical"], ["kept-longer", "evict-keep"], ["first-out", undefined]] as const) await c.apply(pod(name, cls));

    const order: string[] = [];
    await c.until("both non-critical pods to be evicted", async () => {
      for (const name of ["first-out", "kept-longer"]) {
        if (!order.includes(name) && (await get(name)).status?.reason === "Evicted") order.push(name);
      }
      return order.length === 2;
    }, 90_000);
    expect(order).toEqual(["first-out", "kept-longer"]);

    const evicted = await get("first-out");
    expect(evicted.status.phase).toBe("Failed");
    expect(evicted.status.message).toMatch(/^The node was low on resource: memory\. Threshold quantity: \d+Ki, available: \d+Ki\. Container main was using \d+Ki, request is 0, has larger consumption of memory\. $/);
    expect(evicted.status.conditions.find((x: any) => x.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "TerminationByKubelet" });
    // Its container really stopped: containerd reports it exited.
    expect(evicted.status.containerStatuses[0].state.terminated).toBeDefined();
    const events = JSON.parse(await c.k("get", "events", "-n", NS, "--field-selector", "involvedObject.name=first-out", "-o", "json")).items;
    expect(events.some((e: any) => e.reason === "Evicted" && e.type === "Warning")).toBe(true);

    const critical = await c.until("the critical pod to run", async () => {
      const p = await get("critical");
      return p.status?.phase === "Running" ? p : undefined;
    });
    expect(critical.spec.priority).toBe(2000001000);
    expect(critical.status.conditions.some((x: any) => x.type === "DisruptionTarget")).toBe(false);
  }, 150_000);
});

/**
 * An agent that stops or crashes leaves its node's network in place (two real nodes,
 * test/helpers/multi-node.ts): while the agent is down its pods keep running and stay
 * reachable from the other node, by pod IP and through that node's ClusterIP; started again
 * (after a SIGTERM, then after a kill -9) it adopts the same containers, keeps its routes and
 * the other node's, passes its own stale-interface check, and its own proxy serves again. Gone
 * past the node-monitor grace period, its node turns NotReady and its pod leaves the Service on
 * the other node (while still answering by its IP); back, the pod is Ready and served again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { leftovers, startMultiNode, type ClusterNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { clientPod, mustWget, spreadPods, WEB_PORT, webDeployment, wgetIn } from "../helpers/multi-node-pods.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { must } from "../helpers/shell.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl");
const PREFIX = "mnrestart";
const T = 120_000; // a ceiling against hangs, not a performance threshold

describe.skipIf(!CAN_RUN)("an agent restarted", () => {
  let c: MultiNodeCluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let onB = "";
  let onBip = "";
  let clusterIP = "";
  let containerIDs: Record<string, string> = {};
  let routesOnA = "";
  let routesOnB = "";

  beforeAll(async () => {
    // A short grace period (the lease is renewed every 10 s), for the last test's silent node.
    c = await startMultiNode({ prefix: PREFIX, subnet: 236, clusterCidr: "10.42.48.0/21", agents: 1, serverArgs: ["--kube-controller-manager-arg", "node-monitor-grace-period=20s"] });
    [a, b] = c.nodes as [ClusterNode, ClusterNode];
    await c.apply(webDeployment("web", c.namespace), clientPod("client-a", { namespace: c.namespace, node: a.name }), clientPod("client-b", { namespace: c.namespace, node: b.name }));
    const pods = await spreadPods(c, "web");
    onB = [...pods].find(([, node]) => node === b.name)![0];
    for (const p of ["client-a", "client-b"]) await c.podReady(p);
    await c.k("expose", "deployment", "web", "-n", c.namespace, "--port", "80", "--target-port", String(WEB_PORT));
    clusterIP = await c.k("get", "service", "web", "-n", c.namespace, "-o", "jsonpath={.spec.clusterIP}");
    containerIDs = await ids();
    onBip = (await c.json("get", "pod", onB, "-n", c.namespace)).status.podIP;
    await c.waitFor("the ClusterIP served on both nodes", async () => (await wgetIn(c, "client-a", `http://${clusterIP}`)).code === 0 && (await wgetIn(c, "client-b", `http://${clusterIP}`)).code === 0);
    routesOnA = await ownRoutes(a);
    routesOnB = await ownRoutes(b);
  }, T);

  afterAll(async () => {
    await c?.close();
    expect(await leftovers(PREFIX)).toEqual([]);
  }, T);

  /** pod name → its container's ID, for every pod of the namespace. */
  async function ids(): Promise<Record<string, string>> {
    const list = await c.json("get", "pods", "-n", c.namespace);
    return Object.fromEntries(list.items.map((p: any) => [p.metadata.name, `${p.status.containerStatuses?.[0]?.containerID} restarts=${p.status.containerStatuses?.[0]?.restartCount}`]));
  }

  /** The node's routes that k3rs made (proto 151) and its unreachable ones. */
  async function ownRoutes(n: ClusterNode): Promise<string> {
    return (await must(["ip", "-n", n.ns, "route", "show"])).split("\n").filter((l) => l.includes("proto 151") || l.startsWith("unreachable")).sort().join("\n");
  }

  async function answersFromA(): Promise<void> {
    expect(await mustWget(c, "client-a", `http://${onBip}:${WEB_PORT}/`)).toBe(onB);
    const seen = new Set<string>();
    for (let i = 0; i < 8 && seen.size < 2; i++) seen.add(await mustWget(c, "client-a", `http://${clusterIP}`));
    expect(seen.has(onB)).toBe(true);
  }

  async function restartedAndAdopted(): Promise<void> {
    await c.startNode(b, c.agentArgs(b, []));
    // the node's own proxy is back when a pod on it reaches the ClusterIP again
    await c.waitFor("client-b to reach the ClusterIP through its restarted node", async () => {
      c.assertRunning();
      return (await wgetIn(c, "client-b", `http://${clusterIP}`)).code === 0;
    });
    expect(b.proc!.exitCode).toBeNull();
    expect(await ids()).toEqual(containerIDs);
    expect(await ownRoutes(a)).toBe(routesOnA);
    expect(await ownRoutes(b)).toBe(routesOnB);
    await answersFromA();
  }

  test("the node routes each other's podCIDR (proto 151) before anything is restarted", () => {
    expect(routesOnA).toContain("proto 151");
    expect(routesOnB).toContain("proto 151");
  });

  test("agent stopped (SIGTERM): its pods keep running and answer from the other node, by pod IP and ClusterIP", async () => {
    await c.stopProcess(b);
    await answersFromA();
    expect(await ownRoutes(b)).toBe(routesOnB);
  }, T);

  test("started again, it adopts the same containers and routes and serves its ClusterIP again", async () => {
    await restartedAndAdopted();
  }, T);

  test("killed -9 and started again: the same", async () => {
    b.proc!.kill(9);
    await b.proc!.exited;
    await answersFromA();
    await restartedAndAdopted();
  }, T);

  test("gone past the grace period: the node goes NotReady, its pod leaves the Service on the other node; back, it returns", async () => {
    const onA = (await c.json("get", "pods", "-n", c.namespace, "-l", "app=web")).items.find((p: any) => p.spec.nodeName === a.name).metadata.name;
    await c.stopProcess(b);
    await c.waitFor(`${b.name} NotReady`, async () => (await c.k("get", "node", b.name, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)) !== "True");
    await c.waitFor(`${onB} unready in the EndpointSlice`, async () => {
      const slices = (await c.json("get", "endpointslices", "-n", c.namespace, "-l", "kubernetes.io/service-name=web")).items;
      return slices.flatMap((x: any) => x.endpoints ?? []).find((e: any) => e.targetRef?.name === onB)?.conditions?.ready === false;
    });
    await c.waitFor("A's proxy to drop the silent node's pod", async () => {
      const answers = await Promise.all([0, 1, 2, 3].map(() => mustWget(c, "client-a", `http://${clusterIP}`)));
      return answers.every((x) => x === onA);
    });
    // the pod itself still runs and answers by its IP: only the Service stopped using it
    expect(await mustWget(c, "client-a", `http://${onBip}:${WEB_PORT}/`)).toBe(onB);

    await c.startNode(b, c.agentArgs(b, []));
    await c.podReady(onB);
    await c.waitFor("the returned pod served again through A's ClusterIP", async () => {
      c.assertRunning();
      for (let i = 0; i < 8; i++) if ((await mustWget(c, "client-a", `http://${clusterIP}`)) === onB) return true;
      return false;
    });
    expect(await ids()).toEqual(containerIDs);
  }, T);
});

/**
 * A node deleted (`kubectl delete node`) and joined again from the same data dir: the server
 * may give it another podCIDR (here it must: a Node created meanwhile takes the freed one).
 * Its bridge still holds the old gateway, which the stale-interface check passes over (the
 * bridge is the node's own), and the CNI bridge plugin then fails every sandbox with
 * `failed to set bridge addr: "k3rs…" already has an IP address different from …` while the
 * node reports Ready. A pod scheduled to it afterwards must run, with an IP from its new
 * podCIDR.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { GiveUp, leftovers, startMultiNode, type ClusterNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { clientPod, inCidr } from "../helpers/multi-node-pods.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl");
const PREFIX = "mnreadd";
const T = 120_000; // a ceiling against hangs, not a performance threshold

describe.skipIf(!CAN_RUN)("a node deleted and joined again", () => {
  let c: MultiNodeCluster;
  let b: ClusterNode;

  beforeAll(async () => {
    c = await startMultiNode({ prefix: PREFIX, subnet: 238, clusterCidr: "10.42.4.0/22", agents: 1 });
    b = c.nodes[1]!;
  }, T);

  afterAll(async () => {
    await c?.close();
    expect(await leftovers(PREFIX)).toEqual([]);
  }, T);

  test("joined again with another podCIDR, it runs pods from the new one", async () => {
    await c.apply(clientPod("before", { namespace: c.namespace, node: b.name }));
    await c.podReady("before");
    const oldCidr = await c.k("get", "node", b.name, "-o", "jsonpath={.spec.podCIDR}");

    await c.stopProcess(b);
    await c.k("delete", "node", b.name);
    await c.apply({ apiVersion: "v1", kind: "Node", metadata: { name: `${PREFIX}-placeholder` } });
    const taken = await c.waitFor("the placeholder's podCIDR", async () => c.k("get", "node", `${PREFIX}-placeholder`, "-o", "jsonpath={.spec.podCIDR}"));
    expect(taken).toBe(oldCidr);

    await c.startNode(b, c.agentArgs(b, []));
    const newCidr = await c.waitFor("the node registered again with a podCIDR", async () => {
      c.assertRunning();
      return (await c.kubectl(["get", "node", b.name, "-o", "jsonpath={.spec.podCIDR}"])).stdout;
    });
    expect(newCidr).not.toBe(oldCidr);

    await c.apply(clientPod("after", { namespace: c.namespace, node: b.name }));
    const pod = await c.waitFor("the pod on the re-joined node Ready", async () => {
      const p = await c.json("get", "pod", "after", "-n", c.namespace);
      if (p.status?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True")) return p;
      const events = await c.json("get", "events", "-n", c.namespace, "--field-selector", "involvedObject.name=after,reason=FailedCreatePodSandBox");
      if (events.items.length) throw new GiveUp(`sandbox failures: ${events.items.map((e: any) => e.message).join("\n")}`);
      return undefined;
    }, 60_000);
    expect(inCidr(pod.status.podIP, newCidr)).toBe(true);
  }, T);
});

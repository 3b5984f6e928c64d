/**
 * Pods on different nodes, for real, once per backend (`--flannel-backend host-gw|vxlan`): a
 * server and an agent in network namespaces (test/helpers/multi-node.ts), a web pod on each
 * node answering with the client address it sees, so the test proves pods reach each other
 * across nodes with their real IPs (no masquerade inside the cluster CIDR). Then a node goes
 * (`kubectl delete node`): the other node withdraws its route, and the pod's address dies on
 * the sender's node on the unreachable route. Last, the stale-bridge refusal: a node whose
 * namespace already has an interface holding its podCIDR's gateway stops, naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { leftovers, startMultiNode, type ClusterNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { inCidr, mustWget, slash24s, WEB_PORT, webPod, wgetIn } from "../helpers/multi-node-pods.ts";
import { bridgeNameFor } from "../../src/agent/cni/cni-config.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { must } from "../helpers/shell.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl");
const T = 120_000; // a ceiling against hangs, not a performance threshold

const BACKENDS = [
  { backend: "host-gw", prefix: "mnhostgw", subnet: 231, clusterCidr: "10.42.8.0/21" },
  { backend: "vxlan", prefix: "mnvxlan", subnet: 232, clusterCidr: "10.42.16.0/21" },
] as const;

describe.skipIf(!CAN_RUN).each(BACKENDS)("pod network over $backend", ({ backend, prefix, subnet, clusterCidr }) => {
  let c: MultiNodeCluster;
  const podCIDR: Record<string, string> = {};
  const podIP: Record<string, string> = {};

  beforeAll(async () => {
    c = await startMultiNode({ prefix, subnet, clusterCidr, agents: 1, serverArgs: ["--flannel-backend", backend] });
    for (const n of c.nodes) podCIDR[n.name] = await c.k("get", "node", n.name, "-o", "jsonpath={.spec.podCIDR}");
  }, T);

  afterAll(async () => {
    await c?.close();
    expect(await leftovers(prefix)).toEqual([]);
  }, T);

  /** The route a node holds for another node's podCIDR, once it is there. */
  const routeTo = (from: ClusterNode, to: ClusterNode) =>
    c.waitFor(`${from.name}'s route to ${to.name}'s pods`, async () => (await must(["ip", "-n", from.ns, "route", "show", podCIDR[to.name]!])).trim());

  test("every node holds the unreachable routes for the cluster and service CIDRs, and routes the other's podCIDR", async () => {
    for (const n of c.nodes) {
      const unreachable = await must(["ip", "-n", n.ns, "route", "show", "type", "unreachable"]);
      expect(unreachable).toContain(`unreachable ${clusterCidr}`);
      expect(unreachable).toContain("unreachable 10.43.0.0/16");
    }
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const route = await routeTo(from, to);
      if (backend === "host-gw") expect(route).toContain(`via ${to.ip} dev eth0`);
      else expect(route).toContain("dev k3rs.vxlan");
    }
    if (backend === "vxlan") {
      const [link] = JSON.parse(await must(["ip", "-n", a.ns, "-d", "-j", "link", "show", "k3rs.vxlan"]));
      expect(link.linkinfo.info_kind).toBe("vxlan");
      expect(link.linkinfo.info_data.local).toBe(a.ip);
    }
  }, T);

  test("a pod on each node reaches the other's pod by its IP, and is seen with its own real IP", async () => {
    await c.apply(...c.nodes.map((n, i) => webPod(`web${i}`, { namespace: c.namespace, node: n.name })));
    for (const [i, n] of c.nodes.entries()) {
      const pod = await c.podReady(`web${i}`);
      expect(pod.spec.nodeName).toBe(n.name);
      expect(inCidr(pod.status.podIP, podCIDR[n.name]!)).toBe(true);
      podIP[n.name] = pod.status.podIP;
    }
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    expect(await mustWget(c, "web0", `http://${podIP[b.name]}:${WEB_PORT}/`)).toBe("web1");
    expect(await mustWget(c, "web0", `http://${podIP[b.name]}:${WEB_PORT}/cgi-bin/ip`)).toBe(`[::ffff:${podIP[a.name]}]`);
    expect(await mustWget(c, "web1", `http://${podIP[a.name]}:${WEB_PORT}/cgi-bin/ip`)).toBe(`[::ffff:${podIP[b.name]}]`);
  }, T);

  test("a node reaches a pod on the other node (the node itself uses the pod network too)", async () => {
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const r = await c.inNode(a, ["timeout", "10", "busybox", "wget", "-qO-", `http://${podIP[b.name]}:${WEB_PORT}/`]);
    expect(r).toEqual({ code: 0, out: "web1\n" });
  }, T);

  test("kubectl delete node: the other node withdraws its route and the pod's address dies there", async () => {
    const [a, b] = c.nodes as [ClusterNode, ClusterNode];
    // The agent would register its node again: stop it first (its containerd and pods keep running).
    await c.stopProcess(b);
    await c.k("delete", "node", b.name);
    await c.waitFor(`${a.name} to withdraw the route to ${podCIDR[b.name]}`, async () => (await must(["ip", "-n", a.ns, "route", "show", podCIDR[b.name]!])).trim() === "");
    expect(await c.inNode(a, ["ip", "route", "get", podIP[b.name]!])).toEqual({ code: 2, out: "RTNETLINK answers: No route to host\n" });
    if (backend === "vxlan") expect(await must(["bridge", "-n", a.ns, "fdb", "show", "dev", "k3rs.vxlan"])).not.toContain(b.ip);
    const r = await wgetIn(c, "web0", `http://${podIP[b.name]}:${WEB_PORT}/`);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("No route to host");
  }, T);

  test("a node whose namespace already has an interface holding its podCIDR's gateway stops, naming the interface and the fix", async () => {
    const stale = "k3rsstale0";
    // Which /24 the server gives the new node is its choice (the deleted node's may come back): hold the gateway of every free one.
    const taken = new Set((await c.k("get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}")).split(" "));
    const n = await c.addAgent({
      prepare: async (node) => {
        await must(["ip", "-n", node.ns, "link", "add", stale, "type", "bridge"]);
        for (const cidr of slash24s(clusterCidr).filter((x) => !taken.has(x))) await must(["ip", "-n", node.ns, "addr", "add", cidr.replace(/0\/24$/, "1/24"), "dev", stale]);
      },
    });
    const code = await c.exited(n);
    expect(code).not.toBe(0);
    expect(n.output).toContain(stale);
    expect(n.output).toContain(`ip link delete ${stale}`);
    // no pod network was set up beside the stale one: neither the node's bridge nor a VXLAN device
    const links = (await must(["ip", "-n", n.ns, "-br", "link"])).split("\n").map((l) => l.split(/\s+/)[0]);
    expect(links).toContain(stale);
    expect(links).not.toContain(bridgeNameFor(n.dataDir));
    expect(links).not.toContain("k3rs.vxlan");
  }, T);
});

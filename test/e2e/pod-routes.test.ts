/**
 * Pods on different nodes reach each other through `PodRoutes`, once per backend: three
 * nodes, each a network namespace this test makes (eth0 on a veth to a bridge in a "switch"
 * namespace, node IPs on 172.31.241.0/24, no default route), each with one "pod" (its own
 * namespace on a veth to the node, an address in the node's podCIDR, its node as gateway,
 * as the CNI bridge plugin sets it up). A reconciler per node, driven with `ip -n NODE`,
 * routes the pods; a TCP server in a pod answers with the address it sees, so the test
 * proves pods keep their real IPs across nodes. Then a node goes: its routes are withdrawn
 * and a connection to its pod dies at once on the sender's node ("No route to host" from the
 * unreachable route, not a timeout through some default route). Last, the stale-bridge
 * refusal and its fix.
 *
 * Traffic stays inside these namespaces. Every namespace is deleted by name at the end, and
 * every link this test makes lives in one of them, so it goes with it; the host gets nothing
 * but the two safety routes, only when missing, removed again afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import type { KubeObject } from "../../src/model/object.ts";
import { netRunner, PodRoutes, StaleInterfaceError, VTEP_MAC_ANNOTATION } from "../../src/net/routes/index.ts";
import { sh, must } from "../helpers/shell.ts";

const CAN_RUN = process.getuid?.() === 0 && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/busybox") && ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip"].some(existsSync);
const SUBNET = "172.31.241";
const NODES = [
  { name: "a", ip: `${SUBNET}.1`, podCIDR: "10.42.0.0/24", pod: "10.42.0.10" },
  { name: "b", ip: `${SUBNET}.2`, podCIDR: "10.42.1.0/24", pod: "10.42.1.10" },
  { name: "c", ip: `${SUBNET}.3`, podCIDR: "10.42.2.0/24", pod: "10.42.2.10" },
] as const;
type NodeName = (typeof NODES)[number]["name"];
const PORT = 8080;
const T = 60_000; // a ceiling against hangs, not a performance threshold

const addedHostRoutes: string[] = [];

beforeAll(async () => {
  if (!CAN_RUN) return;
  // Safety first (DESIGN.md): a packet a bug sends out for these CIDRs dies on this machine.
  const routes = await must(["ip", "route", "show", "type", "unreachable"]);
  for (const cidr of ["10.42.0.0/16", "10.43.0.0/16"])
    if (!routes.split("\n").some((l) => l.trim().split(/\s+/).includes(cidr))) {
      await must(["ip", "route", "add", "unreachable", cidr]);
      addedHostRoutes.push(cidr);
    }
});

afterAll(async () => {
  for (const cidr of addedHostRoutes) await sh(["ip", "route", "del", "unreachable", cidr]);
});

/** A cluster of namespaces for one backend; `close` removes all of it, whatever was made. */
function namespaces(backend: string) {
  const prefix = `k3rs-rt-${process.pid}-${backend}`;
  const made: string[] = [];
  const servers: number[] = [];
  const ns = {
    sw: `${prefix}-sw`,
    node: (n: string) => `${prefix}-${n}`,
    pod: (n: string) => `${prefix}-${n}-pod`,
    async add(name: string) {
      await must(["ip", "netns", "add", name]);
      made.push(name);
      await must(["ip", "-n", name, "link", "set", "lo", "up"]);
    },
    /** A TCP server in the pod that answers each connection with the peer address it sees. */
    async serve(pod: string): Promise<void> {
      const script = `Bun.listen({ hostname: "0.0.0.0", port: ${PORT}, socket: { open(s) { s.end(s.remoteAddress + "\\n"); }, data() {} } }); console.log("ready");`;
      const p = Bun.spawn(["nsenter", `--net=/run/netns/${pod}`, process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit", stdin: "ignore" });
      servers.push(p.pid); // nsenter execs bun: this is the server's own PID
      const reader = p.stdout.getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      if (!new TextDecoder().decode(value).includes("ready")) throw new Error(`server in ${pod} did not start`);
    },
    async close() {
      for (const pid of servers)
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      for (const name of made.reverse()) await sh(["ip", "netns", "del", name]);
    },
  };
  return ns;
}

/**
 * A connection from one pod to another; what the server answered, or why it failed. A connect
 * that meets an unreachable route fails after the SYN's first retransmit (1 s): Linux takes the
 * first ICMP error in SYN-SENT as soft.
 */
async function connect(fromPod: string, ip: string): Promise<string> {
  const r = await sh(["timeout", "10", "nsenter", `--net=/run/netns/${fromPod}`, "busybox", "nc", ip, String(PORT)]);
  return r.out.trim();
}

function nodeObject(n: { name: string; ip: string; podCIDR: string }, annotations: Record<string, string | null>): KubeObject {
  const a = Object.fromEntries(Object.entries(annotations).filter(([, v]) => v !== null)) as Record<string, string>;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: n.name, annotations: a },
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
    status: { addresses: [{ type: "InternalIP", address: n.ip }, { type: "Hostname", address: n.name }] },
  };
}

describe.skipIf(!CAN_RUN).each(["host-gw", "vxlan"] as const)("pod routes over %s", (backend) => {
  const ns = namespaces(backend);
  const routes = new Map<NodeName, PodRoutes>();
  const nodeObjects = new Map<NodeName, KubeObject>();

  beforeAll(async () => {
    await ns.add(ns.sw);
    await must(["ip", "-n", ns.sw, "link", "add", "br0", "type", "bridge"]);
    await must(["ip", "-n", ns.sw, "link", "set", "br0", "up"]);
    for (const n of NODES) {
      const node = ns.node(n.name);
      const pod = ns.pod(n.name);
      await ns.add(node);
      await ns.add(pod);
      // the node's wire: eth0 in the node, its peer a port of the switch's bridge
      await must(["ip", "-n", node, "link", "add", "eth0", "type", "veth", "peer", "name", `port-${n.name}`, "netns", ns.sw]);
      await must(["ip", "-n", ns.sw, "link", "set", `port-${n.name}`, "master", "br0", "up"]);
      await must(["ip", "-n", node, "addr", "add", `${n.ip}/24`, "dev", "eth0"]);
      await must(["ip", "-n", node, "link", "set", "eth0", "up"]);
      // The kernel rate-limits ICMP errors per destination (icmp_ratelimit, 1 s; measured here:
      // back-to-back connects to a withdrawn pod failed after 7 s instead of 1 s), and this
      // test asks the same pod several times in a row.
      await must(["nsenter", `--net=/run/netns/${node}`, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.icmp_ratelimit=0"]);
      // the pod: eth0 in its namespace, the node's end holding the gateway (.1) as the CNI bridge would
      await must(["ip", "-n", node, "link", "add", "cni0", "type", "veth", "peer", "name", "eth0", "netns", pod]);
      await must(["ip", "-n", node, "addr", "add", `${n.podCIDR.replace(/0\/24$/, "1")}/24`, "dev", "cni0"]);
      await must(["ip", "-n", node, "link", "set", "cni0", "up"]);
      await must(["ip", "-n", pod, "addr", "add", `${n.pod}/24`, "dev", "eth0"]);
      await must(["ip", "-n", pod, "link", "set", "eth0", "up"]);
      await must(["ip", "-n", pod, "route", "add", "default", "via", n.podCIDR.replace(/0\/24$/, "1")]);
      await ns.serve(pod);

      const r = new PodRoutes({ nodeName: n.name, nodeIP: n.ip, podCIDR: n.podCIDR, backend, bridge: "cni0", run: netRunner(node) });
      await r.start();
      routes.set(n.name, r);
      nodeObjects.set(n.name, nodeObject(n, r.ownNodeAnnotations()));
    }
  }, T);

  afterAll(() => ns.close(), T);

  const syncAll = async () => {
    const out: Record<string, number> = {};
    for (const [name, r] of routes) {
      const res = await r.sync(nodeObjects.values());
      expect(res.failed).toEqual([]);
      expect(res.skipped).toEqual([]);
      out[name] = res.applied.length;
    }
    return out;
  };

  test("every node holds the unreachable routes for the cluster and service CIDRs, and no default route", async () => {
    for (const n of NODES) {
      const unreachable = await must(["ip", "-n", ns.node(n.name), "route", "show", "type", "unreachable"]);
      expect(unreachable).toContain("10.42.0.0/16");
      expect(unreachable).toContain("10.43.0.0/16");
      expect(await must(["ip", "-n", ns.node(n.name), "route", "show", "default"])).toBe("");
    }
  });

  test("without routes a pod on another node is unreachable", async () => {
    expect(await connect(ns.pod("a"), NODES[1].pod)).toContain("No route to host");
  }, T);

  test("after a sync, pods reach pods on the other nodes with their real IPs; a second sync changes nothing", async () => {
    if (backend === "vxlan") for (const o of nodeObjects.values()) expect(o.metadata.annotations?.[VTEP_MAC_ANNOTATION]).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const applied = await syncAll();
    // two peers each; vxlan writes a route, a neighbour and an FDB entry per peer
    const perNode = backend === "vxlan" ? 6 : 2;
    expect(applied).toEqual({ a: perNode, b: perNode, c: perNode });
    const txBefore = await vxlanTx("a");
    for (const [from, to] of [["a", 1], ["a", 2], ["b", 0], ["c", 1]] as const) expect(await connect(ns.pod(from), NODES[to].pod)).toBe(NODES.find((n) => n.name === from)!.pod);
    if (backend === "vxlan") expect(await vxlanTx("a")).toBeGreaterThan(txBefore);
    const route = await must(["ip", "-n", ns.node("a"), "route", "show", NODES[1].podCIDR]);
    expect(route).toContain(backend === "vxlan" ? "via 10.42.1.0 dev k3rs.vxlan proto 151 onlink" : `via ${NODES[1].ip} dev eth0 proto 151`);
    expect(await syncAll()).toEqual({ a: 0, b: 0, c: 0 });
  }, T);

  test("an agent restarted finds its routes in place: the device is kept (same ifindex), nothing is written", async () => {
    const before = await vxlanIndex("a");
    const again = new PodRoutes({ nodeName: "a", nodeIP: NODES[0].ip, podCIDR: NODES[0].podCIDR, backend, bridge: "cni0", run: netRunner(ns.node("a")) });
    await again.start();
    expect(await vxlanIndex("a")).toBe(before);
    expect(again.ownNodeAnnotations()).toEqual(routes.get("a")!.ownNodeAnnotations());
    expect(again.podMtu()).toBe(backend === "vxlan" ? 1450 : undefined); // eth0's 1500 less VXLAN's 50
    routes.set("a", again);
    expect(await syncAll()).toEqual({ a: 0, b: 0, c: 0 });
  }, T);

  test("routes or a VXLAN device deleted behind the reconciler's back come back at the next sync", async () => {
    if (backend === "vxlan") await must(["ip", "-n", ns.node("a"), "link", "delete", "k3rs.vxlan"]);
    else await must(["ip", "-n", ns.node("a"), "route", "del", NODES[1].podCIDR]);
    expect(await connect(ns.pod("a"), NODES[1].pod)).toContain("No route to host");
    const applied = await syncAll();
    expect(applied).toEqual({ a: backend === "vxlan" ? 6 : 1, b: 0, c: 0 });
    expect(await connect(ns.pod("a"), NODES[1].pod)).toBe(NODES[0].pod);
  }, T);

  test("a node's IP changes: the others follow it; its VTEP MAC survives the re-created device", async () => {
    const b = { ...NODES[1], ip: `${SUBNET}.12` };
    await must(["ip", "-n", ns.node("b"), "addr", "del", `${NODES[1].ip}/24`, "dev", "eth0"]);
    await must(["ip", "-n", ns.node("b"), "addr", "add", `${b.ip}/24`, "dev", "eth0"]);
    const restarted = new PodRoutes({ nodeName: "b", nodeIP: b.ip, podCIDR: b.podCIDR, backend, bridge: "cni0", run: netRunner(ns.node("b")) });
    await restarted.start();
    expect(restarted.ownNodeAnnotations()).toEqual(routes.get("b")!.ownNodeAnnotations());
    routes.set("b", restarted);
    nodeObjects.set("b", nodeObject(b, restarted.ownNodeAnnotations()));
    const applied = await syncAll();
    // host-gw: the route via the new IP; vxlan: the MAC's FDB entry moves (neighbour and route stay)
    expect([applied.a, applied.c]).toEqual(backend === "vxlan" ? [2, 2] : [1, 1]);
    expect(await connect(ns.pod("a"), b.pod)).toBe(NODES[0].pod);
    expect(await connect(ns.pod("b"), NODES[2].pod)).toBe(b.pod);
    expect(await syncAll()).toEqual({ a: 0, b: 0, c: 0 });
  }, T);

  test("a node removed: its routes are withdrawn and a connection to its pod dies on the sender's node", async () => {
    nodeObjects.delete("c");
    routes.delete("c");
    const applied = await syncAll();
    expect(applied).toEqual(backend === "vxlan" ? { a: 3, b: 3 } : { a: 1, b: 1 });
    expect(await must(["ip", "-n", ns.node("a"), "route", "show", NODES[2].podCIDR])).toBe("");
    // the lookup now ends on the unreachable route for the cluster CIDR
    expect(await sh(["ip", "-n", ns.node("a"), "route", "get", NODES[2].pod])).toEqual({ code: 2, out: "RTNETLINK answers: No route to host\n" });
    if (backend === "vxlan") {
      expect(await must(["ip", "-n", ns.node("a"), "neigh", "show", "dev", "k3rs.vxlan"])).not.toContain("10.42.2.0");
      expect(await must(["bridge", "-n", ns.node("a"), "fdb", "show", "dev", "k3rs.vxlan"])).not.toContain(NODES[2].ip);
    }
    expect(await connect(ns.pod("a"), NODES[2].pod)).toContain("No route to host");
    // the others are untouched
    expect(await connect(ns.pod("a"), NODES[1].pod)).toBe(NODES[0].pod);
  }, T);

  test("an interface already holding the podCIDR (a bridge of an earlier data dir) stops start, named with the fix; after the fix it starts", async () => {
    const node = ns.node("stale");
    await ns.add(node);
    await must(["ip", "-n", node, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"]);
    await must(["ip", "-n", node, "addr", "add", `${SUBNET}.9/24`, "dev", "eth0"]);
    await must(["ip", "-n", node, "link", "add", "k3rs0ld5eed00", "type", "bridge"]);
    await must(["ip", "-n", node, "addr", "add", "10.42.9.1/24", "dev", "k3rs0ld5eed00"]);
    const r = new PodRoutes({ nodeName: "stale", nodeIP: `${SUBNET}.9`, podCIDR: "10.42.9.0/24", backend, bridge: "cni0", run: netRunner(node) });
    const err = await r.start().catch((e) => e);
    expect(err).toBeInstanceOf(StaleInterfaceError);
    expect(err.message).toContain("k3rs0ld5eed00");
    expect(err.message).toContain("ip link delete k3rs0ld5eed00");
    // the safety routes went in before the refusal; nothing else did
    expect(await must(["ip", "-n", node, "route", "show", "type", "unreachable"])).toContain("10.42.0.0/16");
    expect((await sh(["ip", "-n", node, "link", "show", "k3rs.vxlan"])).code).not.toBe(0);

    await must(["ip", "-n", node, ...err.fix.split(" ").slice(1)]);
    await r.start();
    expect((await sh(["ip", "-n", node, "link", "show", "k3rs.vxlan"])).code).toBe(backend === "vxlan" ? 0 : 1);
    // teardown (an uninstall) takes the device and routes away and leaves the safety routes
    await r.teardown();
    expect((await sh(["ip", "-n", node, "link", "show", "k3rs.vxlan"])).code).not.toBe(0);
    expect(await must(["ip", "-n", node, "route", "show", "type", "unreachable"])).toContain("10.43.0.0/16");
  }, T);

  async function vxlanIndex(node: string): Promise<number | undefined> {
    const r = await sh(["ip", "-n", ns.node(node), "-j", "link", "show", "k3rs.vxlan"]);
    return r.code === 0 ? JSON.parse(r.out)[0].ifindex : undefined;
  }

  async function vxlanTx(node: string): Promise<number> {
    if (backend !== "vxlan") return 0;
    const [link] = JSON.parse(await must(["ip", "-n", ns.node(node), "-s", "-j", "link", "show", "k3rs.vxlan"]));
    return link.stats64.tx.packets;
  }
});

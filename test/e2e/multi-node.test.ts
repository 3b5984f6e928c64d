/**
 * Two real nodes on one machine (test/helpers/multi-node.ts): the built server with its
 * embedded agent in one network namespace, a `k3rs agent` in another, each with its own
 * containerd, joined over veths on 172.31.230.0/24. The real kubectl on the host sees both
 * go Ready, runs a pod pinned to each, and reads logs and execs on both — the second node's
 * through the agent's tunnel to the server — and port-forwards from the host to a pod on the
 * second node. Last, the clean-up leaves nothing of the prefix.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { hostFetch, leftovers, startMultiNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { inCidr, WEB_PORT, webPod } from "../helpers/multi-node-pods.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl");
const PREFIX = "mnbasic";
const CLUSTER_CIDR = "10.42.160.0/19";
const T = 120_000; // a ceiling against hangs, not a performance threshold

/** A busybox pod on one node that prints a line naming itself, then sleeps. */
function pinnedPod(name: string, node: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "mnbasic" } },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": node },
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", `echo hello from ${name}; exec sleep 3600`] }],
    },
  };
}

describe.skipIf(!CAN_RUN)("two nodes in network namespaces", () => {
  let c: MultiNodeCluster;

  beforeAll(async () => {
    c = await startMultiNode({ prefix: PREFIX, subnet: 230, clusterCidr: CLUSTER_CIDR, agents: 1 });
  }, T);

  afterAll(async () => {
    await c?.close();
  }, T);

  test("the nodes are Ready with their namespace's IP and a podCIDR of their own inside the cluster CIDR; no default route", async () => {
    for (const n of c.nodes) {
      const node = await c.json("get", "node", n.name);
      expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: n.ip });
      expect(node.spec.podCIDR).toMatch(/^10\.42\.\d+\.0\/24$/);
      expect(inCidr(node.spec.podCIDR.split("/")[0], CLUSTER_CIDR)).toBe(true);
      expect((await c.inNode(n, ["ip", "route", "show", "default"])).out).toBe("");
    }
    const cidrs = await Promise.all(c.nodes.map((n) => c.k("get", "node", n.name, "-o", "jsonpath={.spec.podCIDR}")));
    expect(new Set(cidrs).size).toBe(c.nodes.length);
  }, T);

  test("a pod pinned to each node runs there with an IP from that node's podCIDR", async () => {
    await c.apply(...c.nodes.map((n, i) => ({ ...pinnedPod(`p${i}`, n.name), metadata: { name: `p${i}`, namespace: c.namespace, labels: { app: "mnbasic" } } })));
    for (const [i, n] of c.nodes.entries()) {
      const pod = await c.podReady(`p${i}`);
      expect(pod.spec.nodeName).toBe(n.name);
      expect(pod.status.hostIP).toBe(n.ip);
      const podCIDR = await c.k("get", "node", n.name, "-o", "jsonpath={.spec.podCIDR}");
      expect(inCidr(pod.status.podIP, podCIDR)).toBe(true);
      // the pod's address lives in that node's namespace: its bridge holds the gateway, the other node has none of it
      const route = await c.inNode(n, ["ip", "route", "get", pod.status.podIP]);
      expect(route.code).toBe(0);
      expect(route.out).not.toContain("via");
    }
  }, T);

  test("kubectl logs reads each node's pod", async () => {
    for (const i of c.nodes.keys()) {
      const out = await c.waitFor(`logs of p${i}`, async () => {
        const r = await c.kubectl(["logs", "-n", c.namespace, `p${i}`]);
        return r.code === 0 && r.stdout.includes("hello") ? r.stdout : undefined;
      });
      expect(out).toBe(`hello from p${i}\n`);
    }
  }, T);

  test("kubectl exec runs in each node's pod, in that node's network", async () => {
    for (const [i, n] of c.nodes.entries()) {
      expect(await c.execInPod(`p${i}`, ["cat", "/etc/hostname"])).toBe(`p${i}\n`);
      const r = await c.exec(`p${i}`, ["sh", "-c", "echo out; echo err >&2; exit 3"]);
      expect(r.code).toBe(3);
      expect(r.out).toContain("out");
      // the pod's default route leads to its own node's bridge, i.e. the gateway of that node's podCIDR
      const podCIDR = await c.k("get", "node", n.name, "-o", "jsonpath={.spec.podCIDR}");
      const gateway = podCIDR.replace(/0\/24$/, "1");
      expect(await c.execInPod(`p${i}`, ["ip", "route"])).toContain(`default via ${gateway}`);
    }
  }, T);

  test("kubectl port-forward on the host reaches a web pod on the agent's node (through the tunnel)", async () => {
    const agent = c.nodes[1]!;
    await c.apply(webPod("web", { namespace: c.namespace, node: agent.name }));
    await c.podReady("web");
    const pf = Bun.spawn([KUBECTL, "--kubeconfig", c.kubeconfig, "port-forward", "-n", c.namespace, "pod/web", `:${WEB_PORT}`], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: c.baseDir } });
    try {
      // "Forwarding from 127.0.0.1:NNNNN -> 8080": the local port kubectl picked
      const reader = pf.stdout.getReader();
      let out = "";
      while (!/127\.0\.0\.1:(\d+)/.test(out)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`port-forward ended: ${out}${await new Response(pf.stderr).text()}`);
        out += new TextDecoder().decode(value);
      }
      const port = /127\.0\.0\.1:(\d+)/.exec(out)![1];
      for (let i = 0; i < 3; i++) expect((await (await hostFetch(`http://127.0.0.1:${port}/`)).text()).trim()).toBe("web");
    } finally {
      pf.kill();
      await pf.exited;
    }
  }, T);

  test("close() leaves nothing of the prefix: processes, namespaces, bridge, data dirs", async () => {
    const dataDirs = c.nodes.map((n) => n.dataDir);
    await c.close();
    expect(await leftovers(PREFIX)).toEqual([]);
    for (const d of dataDirs) expect(existsSync(d)).toBe(false);
  }, T);
});

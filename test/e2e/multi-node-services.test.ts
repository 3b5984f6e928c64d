/**
 * Services across two real nodes (test/helpers/multi-node.ts): a Deployment with one web pod
 * on each node, `kubectl expose`d; from a client pod on the server's node, the Service's short
 * name (search path), its FQDN and its ClusterIP reach both pods; an endpoint turned unready
 * stops getting new connections; NodePort and LoadBalancer (ServiceLB: node IPs) answer on
 * every node's IP from the host; and 64 MiB cross a ClusterIP to a reader that pauses, intact,
 * while the only endpoint turns unready (open connections are not cut).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { hostFetch, leftovers, startMultiNode, type ClusterNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { clientPod, spreadPods, WEB_PORT, webDeployment } from "../helpers/multi-node-pods.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl");
const PREFIX = "mnsvc";
const T = 120_000; // a ceiling against hangs, not a performance threshold
const BIG = 64 * 1024 * 1024;

/** A pod on the agent's node serving 64 MiB of random bytes at /big, with their sha256 at /big.sha256. */
function bigPod(ns: string, node: string) {
  const script = [
    "mkdir -p /www",
    `head -c ${BIG} /dev/urandom > /www/big`,
    "sha256sum /www/big | cut -d' ' -f1 > /www/big.sha256",
    `exec httpd -f -p ${WEB_PORT} -h /www`,
  ].join("; ");
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "big", namespace: ns, labels: { app: "big" } },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": node },
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "big", image: "busybox", command: ["sh", "-c", script], readinessProbe: { exec: { command: ["sh", "-c", "test -s /www/big.sha256 && test ! -e /tmp/unready"] }, periodSeconds: 1, failureThreshold: 1 } }],
    },
  };
}

describe.skipIf(!CAN_RUN)("Services across two nodes", () => {
  let c: MultiNodeCluster;
  let a: ClusterNode;
  let b: ClusterNode;
  /** pod name → node name */
  const webPods = new Map<string, string>();
  let clusterIP = "";

  beforeAll(async () => {
    c = await startMultiNode({ prefix: PREFIX, subnet: 233, clusterCidr: "10.42.24.0/21", agents: 1 });
    [a, b] = c.nodes as [ClusterNode, ClusterNode];
    await c.apply(webDeployment("web", c.namespace), clientPod("client", { namespace: c.namespace, node: a.name }), bigPod(c.namespace, b.name));
  }, T);

  afterAll(async () => {
    await c?.close();
    expect(await leftovers(PREFIX)).toEqual([]);
  }, T);

  /** `n` requests from the client pod in one exec; each line is the answering pod's name, or `FAIL`. */
  async function ask(url: string, n = 12): Promise<string[]> {
    const out = await c.execInPod("client", ["sh", "-c", `for i in $(seq ${n}); do timeout 5 wget -qO- '${url}' || echo FAIL; done`], { timeoutMs: 90_000 });
    return out.trim().split("\n");
  }

  test("the Deployment runs one ready pod on each node, and kubectl expose gives it a ClusterIP with both as endpoints", async () => {
    for (const [pod, node] of await spreadPods(c, "web")) webPods.set(pod, node);
    await c.k("expose", "deployment", "web", "-n", c.namespace, "--port", "80", "--target-port", String(WEB_PORT));
    clusterIP = await c.k("get", "service", "web", "-n", c.namespace, "-o", "jsonpath={.spec.clusterIP}");
    expect(clusterIP).toMatch(/^10\.43\.\d+\.\d+$/);
    await c.waitFor("both endpoints ready in the EndpointSlice", async () => {
      const slices = (await c.json("get", "endpointslices", "-n", c.namespace, "-l", "kubernetes.io/service-name=web")).items;
      return slices.flatMap((s: any) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready).length === 2;
    });
  }, T);

  test("from a pod on one node, http://web, the FQDN and the ClusterIP reach the pods on both nodes", async () => {
    const names = [...webPods.keys()].sort();
    for (const url of ["http://web", `http://web.${c.namespace}.svc.cluster.local`, `http://${clusterIP}`]) {
      const answers = await ask(url);
      expect({ url, failed: answers.filter((x) => !webPods.has(x)) }).toEqual({ url, failed: [] });
      expect({ url, seen: [...new Set(answers)].sort() }).toEqual({ url, seen: names });
    }
  }, T);

  test("an endpoint turned unready gets no new connections; ready again, it gets them again", async () => {
    const [onB] = [...webPods].find(([, node]) => node === b.name)!;
    const [onA] = [...webPods].find(([, node]) => node === a.name)!;
    await c.execInPod(onB, ["touch", "/tmp/unready"]);
    await c.waitFor(`${onB} unready in the EndpointSlice`, async () => {
      const slices = (await c.json("get", "endpointslices", "-n", c.namespace, "-l", "kubernetes.io/service-name=web")).items;
      const ep = slices.flatMap((s: any) => s.endpoints ?? []).find((e: any) => e.targetRef?.name === onB);
      return ep && ep.conditions?.ready === false;
    });
    // the proxy follows the slice: once it has, every answer comes from the ready pod
    await c.waitFor("the proxy to drop the unready endpoint", async () => (await ask(`http://${clusterIP}`, 4)).every((x) => x === onA));
    expect(new Set(await ask(`http://${clusterIP}`))).toEqual(new Set([onA]));
    await c.execInPod(onB, ["rm", "/tmp/unready"]);
    await c.waitFor("the endpoint back in use", async () => (await ask(`http://${clusterIP}`, 8)).includes(onB));
  }, T);

  test("type NodePort answers on every node's IP", async () => {
    await c.k("expose", "deployment", "web", "-n", c.namespace, "--name", "web-np", "--type", "NodePort", "--port", "80", "--target-port", String(WEB_PORT));
    const nodePort = Number(await c.k("get", "service", "web-np", "-n", c.namespace, "-o", "jsonpath={.spec.ports[0].nodePort}"));
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    for (const n of c.nodes) {
      const seen = await c.waitFor(`NodePort ${nodePort} on ${n.ip} to reach both pods`, async () => {
        const got = new Set<string>();
        for (let i = 0; i < 12; i++) got.add((await (await hostFetch(`http://${n.ip}:${nodePort}/`)).text()).trim());
        return got.size === 2 ? got : undefined;
      });
      expect(seen).toEqual(new Set(webPods.keys()));
    }
  }, T);

  test("type LoadBalancer lists the node IPs in its status and answers on each", async () => {
    await c.k("expose", "deployment", "web", "-n", c.namespace, "--name", "web-lb", "--type", "LoadBalancer", "--port", "8081", "--target-port", String(WEB_PORT));
    const ingress = await c.waitFor("status.loadBalancer.ingress to list both nodes", async () => {
      const svc = await c.json("get", "service", "web-lb", "-n", c.namespace);
      const ips = (svc.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip).sort();
      return ips.length === 2 ? ips : undefined;
    });
    expect(ingress).toEqual(c.nodes.map((n) => n.ip).sort());
    for (const n of c.nodes) {
      const body = await c.waitFor(`port 8081 on ${n.ip}`, async () => (await (await hostFetch(`http://${n.ip}:8081/`)).text()).trim());
      expect(webPods.has(body)).toBe(true);
    }
  }, T);

  test("64 MiB through a ClusterIP to a pod on the other node, read with pauses, arrive intact, though the endpoint turns unready meanwhile", async () => {
    await c.podReady("big");
    await c.k("expose", "pod", "big", "-n", c.namespace, "--port", "80", "--target-port", String(WEB_PORT));
    const bigIP = await c.k("get", "service", "big", "-n", c.namespace, "-o", "jsonpath={.spec.clusterIP}");
    const want = (await c.execInPod("big", ["cat", "/www/big.sha256"])).trim();
    expect(want).toMatch(/^[0-9a-f]{64}$/);
    await c.waitFor("the big Service's endpoint ready", async () => (await wgetStatus(bigIP)) === 0);
    // 8 MiB at a time with pauses between: the proxy must hold back the sender (Bun's
    // socket.write writes partially) and resume on drain, losing and repeating nothing. After
    // the first 8 MiB the reader waits for /tmp/go, which the test gives once the endpoint has
    // turned unready: the open connection must outlive that change.
    const chunk = "dd bs=1048576 count=8 iflag=fullblock 2>/dev/null";
    const slowReader = `${chunk}; touch /tmp/started; while [ ! -e /tmp/go ]; do sleep 0.2; done; i=1; while [ $i -lt 9 ]; do ${chunk}; sleep 0.5; i=$((i+1)); done`;
    const transfer = c.execInPod("client", ["sh", "-c", `rm -f /tmp/started /tmp/go; wget -qO- http://${bigIP}/big | (${slowReader}) | tee /tmp/big | sha256sum | cut -d' ' -f1; wc -c < /tmp/big; rm /tmp/big`], { timeoutMs: 110_000 });
    await c.waitFor("the transfer under way", async () => (await c.exec("client", ["test", "-e", "/tmp/started"])).code === 0);
    await c.execInPod("big", ["touch", "/tmp/unready"]);
    await c.waitFor("the proxy to refuse new connections to the unready endpoint", async () => (await wgetStatus(bigIP)) !== 0);
    await c.execInPod("client", ["touch", "/tmp/go"]);
    const [sha, size] = (await transfer).trim().split("\n");
    expect({ size: Number(size), sha }).toEqual({ size: BIG, sha: want });
  }, T);

  /** Exit code of a short request to the big Service from the client pod. */
  async function wgetStatus(ip: string): Promise<number> {
    return (await c.exec("client", ["timeout", "5", "wget", "-qO", "/dev/null", `http://${ip}/big.sha256`])).code;
  }
});

/**
 * Service options that only show with endpoints on more than one node (two real nodes,
 * test/helpers/multi-node.ts): `sessionAffinity: ClientIP` keeps each client on one pod while
 * the Service has a pod on each node; a multi-port Service with a named target port;
 * `externalTrafficPolicy: Local` offers a LoadBalancer only where an endpoint runs; a
 * LoadBalancer port taken on one node leaves that node out (a PortInUse Event) and keeps the
 * other; and `kubernetes.default` reaches the API from a pod on the agent's node.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { hostFetch, leftovers, startMultiNode, type ClusterNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { clientPod, spreadPods, WEB_PORT, webDeployment, webPod } from "../helpers/multi-node-pods.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl");
const PREFIX = "mnpolicy";
const T = 120_000; // a ceiling against hangs, not a performance threshold
const LOCAL_PORT = 18091;
const TAKEN_PORT = 18092;

describe.skipIf(!CAN_RUN)("Service policies across two nodes", () => {
  let c: MultiNodeCluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let webPods = new Map<string, string>();

  beforeAll(async () => {
    c = await startMultiNode({ prefix: PREFIX, subnet: 235, clusterCidr: "10.42.40.0/21", agents: 1 });
    [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const ns = c.namespace;
    await c.apply(
      webDeployment("web", ns),
      webPod("solo", { namespace: ns, node: b.name, labels: { app: "solo" } }),
      clientPod("client-a", { namespace: ns, node: a.name }),
      clientPod("client-b", { namespace: ns, node: b.name }),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "sticky", namespace: ns },
        spec: {
          selector: { app: "web" },
          sessionAffinity: "ClientIP",
          ports: [
            { name: "http", port: 80, targetPort: "http" },
            { name: "alt", port: 81, targetPort: WEB_PORT },
          ],
        },
      },
    );
    webPods = await spreadPods(c, "web");
    for (const p of ["solo", "client-a", "client-b"]) await c.podReady(p);
  }, T);

  afterAll(async () => {
    await c?.close();
    expect(await leftovers(PREFIX)).toEqual([]);
  }, T);

  /** `n` requests from a client pod in one exec; each line is the answering pod's name, or `FAIL`. */
  async function ask(pod: string, url: string, n = 10): Promise<string[]> {
    const out = await c.execInPod(pod, ["sh", "-c", `for i in $(seq ${n}); do timeout 5 wget -qO- '${url}' || echo FAIL; done`], { timeoutMs: 90_000 });
    return out.trim().split("\n");
  }

  test("sessionAffinity ClientIP: each client pod stays on one pod, on both ports (one by a named target port)", async () => {
    await c.waitFor("the sticky Service answering", async () => (await ask("client-a", "http://sticky", 1))[0] !== "FAIL");
    for (const client of ["client-a", "client-b"]) {
      const answers = [...(await ask(client, "http://sticky")), ...(await ask(client, "http://sticky:81"))];
      expect(answers.every((x) => webPods.has(x))).toBe(true);
      expect(new Set(answers).size).toBe(1);
    }
  }, T);

  test("externalTrafficPolicy Local: the LoadBalancer lists and answers only on the node with an endpoint", async () => {
    await c.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "solo-lb", namespace: c.namespace },
      spec: { type: "LoadBalancer", externalTrafficPolicy: "Local", selector: { app: "solo" }, ports: [{ port: LOCAL_PORT, targetPort: WEB_PORT }] },
    });
    const ingress = await c.waitFor("status.loadBalancer.ingress", async () => {
      const svc = await c.json("get", "service", "solo-lb", "-n", c.namespace);
      return svc.status?.loadBalancer?.ingress?.length ? svc.status.loadBalancer.ingress : undefined;
    });
    expect(ingress).toEqual([{ ip: b.ip }]);
    expect((await (await hostFetch(`http://${b.ip}:${LOCAL_PORT}/`)).text()).trim()).toBe("solo");
    // node A has no endpoint of it: its NodePort does not forward elsewhere
    const nodePort = await c.k("get", "service", "solo-lb", "-n", c.namespace, "-o", "jsonpath={.spec.ports[0].nodePort}");
    expect((await (await hostFetch(`http://${b.ip}:${nodePort}/`)).text()).trim()).toBe("solo");
    const viaA = await hostFetch(`http://${a.ip}:${nodePort}/`, { signal: AbortSignal.timeout(3000) }).then((r) => r.status, (e: Error) => e.name);
    expect(viaA).not.toBe(200);
  }, T);

  test("a LoadBalancer port taken on one node: that node is left out with a PortInUse Event, the other serves", async () => {
    // A squatter on node A's address: httpd in A's namespace (its -h path lets a crashed run's copy be found).
    const www = join(c.baseDir, "squatter");
    mkdirSync(www, { recursive: true });
    c.spawnIn(a, ["busybox", "httpd", "-f", "-p", `${a.ip}:${TAKEN_PORT}`, "-h", www]);
    await c.waitFor("the squatter listening", async () => (await c.inNode(a, ["ss", "-Hltn", `sport = :${TAKEN_PORT}`])).out.trim() !== "");
    await c.k("expose", "deployment", "web", "-n", c.namespace, "--name", "web-taken", "--type", "LoadBalancer", "--port", String(TAKEN_PORT), "--target-port", String(WEB_PORT));
    const ev = await c.waitFor("a PortInUse event", async () => {
      const list = await c.json("get", "events", "-n", c.namespace, "--field-selector", "involvedObject.name=web-taken");
      return list.items.find((e: any) => e.reason === "PortInUse");
    });
    expect(ev.type).toBe("Warning");
    expect(ev.message).toContain(a.name);
    expect(ev.message).toContain(`${a.ip}`);
    const ingress = await c.waitFor("node B in the ingress", async () => {
      const svc = await c.json("get", "service", "web-taken", "-n", c.namespace);
      return svc.status?.loadBalancer?.ingress?.length ? svc.status.loadBalancer.ingress : undefined;
    });
    expect(ingress).toEqual([{ ip: b.ip }]);
    expect(webPods.has((await (await hostFetch(`http://${b.ip}:${TAKEN_PORT}/`)).text()).trim())).toBe(true);
  }, T);

  test("kubernetes.default reaches the API on the server's node from a pod on the agent's node", async () => {
    const r = await c.exec("client-b", ["timeout", "15", "wget", "--no-check-certificate", "-qO-", "https://kubernetes.default.svc.cluster.local/api"]);
    // Anonymous: the API answers 401 (or 403), which busybox wget reports as an error; a TLS answer at all proves the path.
    expect(r.out).toMatch(/HTTP\/1\.1 40[13]/);
  }, T);
});

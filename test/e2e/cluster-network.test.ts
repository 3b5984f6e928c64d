/**
 * The cluster network on one real node, as a user meets it: the built `k3rs server` with its
 * embedded agent (containerd, vxlan backend), a busybox httpd Deployment exposed with
 * `kubectl expose`, and a client pod that finds it by name (search path and FQDN, answered by
 * the node's cluster DNS on 10.43.0.10) and by ClusterIP (the node's service proxy); NodePort
 * and LoadBalancer (ServiceLB) on the node IP; `kubernetes.default` from a pod; and an agent
 * that refuses to start when a stale interface holds its pod network.
 *
 * Own names: node `netagent-node`, namespace `netagent-ns`, cluster CIDR 10.42.224.0/19. Pod
 * traffic stays on this machine (bridge, node addresses); everything is removed at the end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";
import { CAN_RUN_PODS, cleanupRealNode } from "../helpers/real-node.ts";
import { freePort, K3RS_BIN, startE2EServer, type E2EServer } from "../helpers/e2e-server.ts";
import { sh } from "../helpers/shell.ts";
import { bridgeNameFor } from "../../src/agent/cni/cni-config.ts";
import { serviceDeviceFor } from "../../src/agent/network/service-device.ts";

const T = 240_000; // a ceiling against hangs, not a performance threshold
const NS = "netagent-ns";
const CLUSTER_CIDR = "10.42.224.0/19";
const LB_PORT = 18089;
const TAKEN_PORT = 18090;

describe.skipIf(!CAN_RUN_PODS)("cluster network on a real node", () => {
  let c: RealCluster;
  let nodeIP = "";
  let clusterIP = "";
  let squatter: { stop(closeActive?: boolean): void } | undefined;
  const exec = (...cmd: string[]) => c.server.kubectl(["exec", "-n", NS, "client", "--", ...cmd], { timeoutMs: 60_000 });

  beforeAll(async () => {
    // The API listens on every address: pods reach it through 10.43.0.1 → <node IP>:<port>.
    c = await startRealCluster({ name: "netagent", nodeName: "netagent-node", namespace: NS, clusterCidr: CLUSTER_CIDR, extraArgs: ["--bind-address", "0.0.0.0"] });
    nodeIP = await c.k("get", "node", c.nodeName, "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}");
    await c.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: "httpd", image: "busybox",
              command: ["sh", "-c", "mkdir -p /www && echo web-says-hello > /www/index.html && exec httpd -f -p 8080 -h /www"],
              ports: [{ name: "http", containerPort: 8080 }],
              readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 1 },
            }],
          },
        },
      },
    });
    await c.k("expose", "deployment", "web", "-n", NS, "--port", "80", "--target-port", "8080");
    await c.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: NS }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"] }] } });
    clusterIP = await c.k("get", "service", "web", "-n", NS, "-o", "jsonpath={.spec.clusterIP}");
    await c.until("2 ready web endpoints and a running client", async () => {
      const ready = await c.k("get", "endpointslices", "-n", NS, "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}");
      const phase = await c.k("get", "pod", "client", "-n", NS, "-o", "jsonpath={.status.phase}");
      return ready.split(" ").filter(Boolean).length === 2 && phase === "Running";
    }, 180_000);
  }, T);

  afterAll(async () => {
    squatter?.stop(true);
    const device = c ? serviceDeviceFor(c.dataDir) : undefined;
    await c?.close();
    if (device) await sh(["ip", "link", "del", device]);
    await sh(["ip", "link", "del", "k3rs.vxlan"]);
    await sh(["ip", "route", "del", "unreachable", CLUSTER_CIDR]);
  }, T);

  test("a pod reaches a Service by short name, by FQDN and by ClusterIP", async () => {
    for (const url of ["http://web", `http://web.${NS}.svc.cluster.local`, `http://${clusterIP}`]) {
      const r = await exec("timeout", "15", "wget", "-qO-", url);
      expect({ url, code: r.code, out: r.stdout.trim(), err: r.stderr }).toEqual({ url, code: 0, out: "web-says-hello", err: "" });
    }
  }, T);

  test("the pod's resolv.conf: cluster DNS, the namespace's search path, ndots:5", async () => {
    const r = await exec("cat", "/etc/resolv.conf");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
    expect(lines).toContain("nameserver 10.43.0.10");
    expect(lines.find((l) => l.startsWith("search "))).toStartWith(`search ${NS}.svc.cluster.local svc.cluster.local cluster.local`);
    expect(lines).toContain("options ndots:5");
  }, T);

  test("the node's name resolves in the cluster DNS (K3s NodeHosts)", async () => {
    const r = await exec("timeout", "15", "nslookup", c.nodeName, "10.43.0.10");
    expect(r.stdout).toContain(nodeIP);
  }, T);

  test("NodePort answers on the node IP", async () => {
    await c.k("expose", "deployment", "web", "-n", NS, "--name", "web-np", "--type", "NodePort", "--port", "80", "--target-port", "8080");
    const nodePort = Number(await c.k("get", "service", "web-np", "-n", NS, "-o", "jsonpath={.spec.ports[0].nodePort}"));
    expect(nodePort).toBeGreaterThan(0);
    const body = await c.until("NodePort answering", async () => {
      const r = await fetch(`http://${nodeIP}:${nodePort}/`).catch(() => undefined);
      return r?.ok ? await r.text() : undefined;
    });
    expect(body.trim()).toBe("web-says-hello");
  }, T);

  test("LoadBalancer (ServiceLB): answers on the node IP and lists it in status.loadBalancer.ingress", async () => {
    await c.k("expose", "deployment", "web", "-n", NS, "--name", "web-lb", "--type", "LoadBalancer", "--port", String(LB_PORT), "--target-port", "8080");
    const ingress = await c.until("ingress in the Service status", async () => {
      const s = await c.json("get", "service", "web-lb", "-n", NS);
      return s.status?.loadBalancer?.ingress?.length ? s.status.loadBalancer.ingress : undefined;
    });
    expect(ingress).toEqual([{ ip: nodeIP }]);
    const r = await fetch(`http://${nodeIP}:${LB_PORT}/`);
    expect(r.status).toBe(200);
    expect((await r.text()).trim()).toBe("web-says-hello");
  }, T);

  test("LoadBalancer on a port already taken on the node: the node is left out, with a PortInUse Event", async () => {
    const squat = Bun.listen({ hostname: nodeIP, port: TAKEN_PORT, socket: { data() {} } });
    squatter = squat;
    await c.k("expose", "deployment", "web", "-n", NS, "--name", "web-taken", "--type", "LoadBalancer", "--port", String(TAKEN_PORT), "--target-port", "8080");
    const ev = await c.until("a PortInUse event", async () => {
      const list = await c.json("get", "events", "-n", NS, "--field-selector", "involvedObject.name=web-taken");
      return list.items.find((e: any) => e.reason === "PortInUse");
    });
    expect(ev.type).toBe("Warning");
    expect(ev.message).toContain(`port ${TAKEN_PORT}/TCP on ${nodeIP}: address already in use`);
    const s = await c.json("get", "service", "web-taken", "-n", NS);
    expect(s.status?.loadBalancer?.ingress ?? []).toEqual([]);
    // The port freed: the node takes it and appears in the status.
    squat.stop(true);
    squatter = undefined;
    const ingress = await c.until("ingress once the port is free", async () => {
      const svc = await c.json("get", "service", "web-taken", "-n", NS);
      return svc.status?.loadBalancer?.ingress?.length ? svc.status.loadBalancer.ingress : undefined;
    });
    expect(ingress).toEqual([{ ip: nodeIP }]);
  }, T);

  test("kubernetes.default reaches the API from a pod (TLS, an API Status back)", async () => {
    const r = await exec("timeout", "15", "wget", "--no-check-certificate", "-qO-", "https://kubernetes.default.svc.cluster.local/api");
    // Anonymous: the API answers 401 (or 403), which busybox wget reports as an error.
    expect(`${r.stdout}${r.stderr}`).toMatch(/HTTP\/1\.1 40[13]/);
  }, T);

  test("containers get the kubelet's service variables: the API's address (in-cluster clients) and their namespace's Services", async () => {
    const r = await exec("sh", "-c", "echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT $WEB_SERVICE_HOST:$WEB_SERVICE_PORT $WEB_PORT");
    // The client pod started after `kubectl expose`, as the kubelet's variables need.
    expect(r.stdout.trim()).toBe(`10.43.0.1:443 ${clusterIP}:80 tcp://${clusterIP}:80`);
  }, T);

  test("vxlan: the VTEP MAC is published, and pods get the VXLAN device's MTU in the CNI config", async () => {
    const node = await c.json("get", "node", c.nodeName);
    expect(node.metadata.annotations["k3rs.io/vtep-mac"]).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const link = JSON.parse((await sh(["ip", "-j", "link", "show", "k3rs.vxlan"])).out)[0];
    const conf = JSON.parse(readFileSync(join(c.dataDir, "agent", "cni", "net.d", "10-k3rs.conflist"), "utf8"));
    expect(conf.plugins[0].mtu).toBe(link.mtu);
    expect(link.mtu).toBeLessThan(1500);
  }, T);

  test("nodes/<node>/proxy/metrics reads the node's metrics through the tunnel (kubectl get --raw)", async () => {
    const text = await c.k("get", "--raw", `/api/v1/nodes/${c.nodeName}/proxy/metrics`);
    expect(text).toMatch(/^k3rs_proxy_connections_total\{/m);
    expect(text).toMatch(/^k3rs_proxy_listeners\{protocol="TCP"\} [1-9]/m);
  }, T);

  test("the service device deleted by hand comes back with the ClusterIPs at the next resync (30 s)", async () => {
    const device = serviceDeviceFor(c.dataDir);
    const held = async () => {
      const r = await sh(["ip", "-j", "addr", "show", "dev", device]);
      return r.code === 0 ? (JSON.parse(r.out)[0]?.addr_info ?? []).map((a: any) => a.local as string) : [];
    };
    expect(await held()).toContain(clusterIP);
    expect((await sh(["ip", "link", "del", device])).code).toBe(0);
    expect(await held()).toEqual([]);
    const back = await c.until("the device and its ClusterIPs back", async () => {
      const ips = await held();
      return ips.includes(clusterIP) && ips.includes("10.43.0.10") ? ips : undefined;
    }, 120_000);
    expect(back).toContain(clusterIP);
    // The listeners outlived their addresses: the Service answers again by its ClusterIP.
    const r = await exec("timeout", "15", "wget", "-qO-", `http://${clusterIP}`);
    expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: "web-says-hello" });
  }, T);

  test("proxy and DNS metrics on the server's /metrics", async () => {
    const text = await c.k("get", "--raw", "/metrics");
    expect(text).toMatch(/^k3rs_proxy_connections_total\{[^}]*service="netagent-ns\/web"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^k3rs_dns_/m);
  }, T);
});

describe.skipIf(!CAN_RUN_PODS)("an agent whose pod network is held by a stale interface", () => {
  const STALE = "netagent-stale";
  const dataDir = mkdtempSync(join(tmpdir(), "netagent-stale-"));

  afterAll(async () => {
    await sh(["ip", "link", "del", STALE]);
    await sh(["ip", "link", "del", serviceDeviceFor(dataDir)]);
    await sh(["ip", "route", "del", "unreachable", "10.42.254.0/24"]);
    await cleanupRealNode({ dataDir, bridge: bridgeNameFor(dataDir), podCidr: "10.42.254.0/24" });
  }, T);

  test("refuses to start, naming the interface and the fix", async () => {
    // Like a bridge an earlier data dir left behind, holding the gateway of the podCIDR this node gets.
    expect((await sh(["ip", "link", "add", STALE, "type", "bridge"])).code).toBe(0);
    expect((await sh(["ip", "addr", "add", "10.42.254.1/24", "dev", STALE])).code).toBe(0);
    const port = await freePort();
    const p = Bun.spawn(
      [K3RS_BIN, "server", "--data-dir", dataDir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--node-name", "netagent-stale-node",
        "--cluster-cidr", "10.42.254.0/24", "--flannel-backend", "host-gw", "--write-kubeconfig", join(dataDir, "kubeconfig.yaml")],
      { stdout: "pipe", stderr: "pipe" },
    );
    const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
    const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()]);
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(stderr).toContain(`interface ${STALE} already holds 10.42.254.1/24`);
    expect(stderr).toContain(`ip link delete ${STALE}`);
    expect(existsSync(dataDir)).toBe(true);
  }, T);
});

describe.skipIf(!CAN_RUN_PODS)("a joined `k3rs agent` whose pod network is held by a stale interface", () => {
  const STALE = "netagent-stale2";
  const CIDR = "10.42.253.0/24";
  const agentDir = mkdtempSync(join(tmpdir(), "netagent-agent-"));
  let server: E2EServer | undefined;

  afterAll(async () => {
    await server?.stop();
    await sh(["ip", "link", "del", STALE]);
    await sh(["ip", "link", "del", serviceDeviceFor(agentDir)]);
    await sh(["ip", "route", "del", "unreachable", CIDR]);
    await cleanupRealNode({ dataDir: agentDir, bridge: bridgeNameFor(agentDir), podCidr: CIDR });
  }, T);

  test("refuses to start, exits 1 naming the interface and the fix", async () => {
    // A cluster CIDR whose one /24 goes to this agent's node.
    server = await startE2EServer({ extraArgs: ["--cluster-cidr", CIDR, "--flannel-backend", "host-gw"] });
    const token = readFileSync(join(server.dataDir, "server", "token"), "utf8").trim();
    expect((await sh(["ip", "link", "add", STALE, "type", "bridge"])).code).toBe(0);
    expect((await sh(["ip", "addr", "add", "10.42.253.1/24", "dev", STALE])).code).toBe(0);
    const p = Bun.spawn([K3RS_BIN, "agent", "--server", `https://127.0.0.1:${server.port}`, "--token", token, "--node-name", "netagent-agent-node", "--data-dir", agentDir], { stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
    const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()]);
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(stderr).toContain(`k3rs agent: interface ${STALE} already holds 10.42.253.1/24, inside this node's podCIDR ${CIDR}`);
    expect(stderr).toContain(`Remove it with \`ip link delete ${STALE}\``);
  }, T);
});

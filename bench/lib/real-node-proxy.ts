/**
 * The service proxy as a user gets it: the BUILT `k3rs server` with its embedded agent
 * (containerd, host-gw), 3 busybox httpd pods behind a ClusterIP Service, measured from this
 * host beside HAProxy (TCP mode, one thread) proxying to the same 3 pod IPs, same run:
 *  - wrk requests/s and p99, keep-alive and a new connection per request (busybox httpd
 *    closes after each response, so the backend side is a new connection either way);
 *  - one 64 MiB file (curl) through the ClusterIP vs straight to a pod;
 *  - an EndpointSlice changed through the API (a selector-less Service whose slice is PATCHed
 *    between two pods) until a new connection through the ClusterIP reaches the new pod, and
 *    the same for a Service selector change (the EndpointSlice controller's turn included);
 *  - the node's cluster DNS (dnsperf at its Service IP) beside dnsmasq holding the same records.
 *
 * Own names (node `netbench-node`, namespace `netbench-ns`, cluster CIDR 10.42.240.0/20,
 * service CIDR 10.43.240.0/20, so its ClusterIPs never meet another node's on this host);
 * everything is removed at the end (real-node.ts cleanupRealNode).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { type RealCluster, startRealCluster } from "../../test/helpers/real-cluster.ts";
import { sh } from "../../test/helpers/shell.ts";
import { fmt, summary } from "./stats.ts";

const NS = "netbench-ns";
const CLUSTER_CIDR = "10.42.240.0/20";
const SERVICE_CIDR = "10.43.240.0/20";
const HAPROXY_PORT = 18380;
const CHANGES = 20;
const CLUSTER_DNS = "10.43.240.10";
const DNSMASQ = { ip: "127.0.0.3", port: 18353 };

interface WrkResult {
  rps: number;
  p99ms: number;
}

async function run(argv: string[]): Promise<string> {
  const r = await sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.out}`);
  return r.out;
}

async function wrk(url: string, close: boolean, seconds: number): Promise<WrkResult> {
  const out = await run(["wrk", "-t2", "-c32", `-d${seconds}s`, "--latency", ...(close ? ["-H", "Connection: close"] : []), url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : NaN;
  return { rps, p99ms };
}

/** One HTTP/1.0 request on a fresh connection; the body, or "" when refused or cut. */
function getOnce(ip: string, port: number, path = "/"): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString();
      const i = text.indexOf("\r\n\r\n");
      resolve(i < 0 ? "" : text.slice(i + 4).trim());
    };
    Bun.connect({
      hostname: ip,
      port,
      socket: {
        open(s) {
          s.write(`GET ${path} HTTP/1.0\r\n\r\n`);
        },
        data(_s, d) {
          chunks.push(Buffer.from(d));
        },
        close: done,
        connectError: () => resolve(""),
        error: () => resolve(""),
      },
    }).catch(() => resolve(""));
  });
}

/** The admin client of the kubeconfig, for API writes timed without kubectl's start-up. */
function apiClient(kubeconfig: string, port: number) {
  const cfg = parseYaml(require("node:fs").readFileSync(kubeconfig, "utf8"));
  const user = cfg.users[0].user;
  const tls = {
    cert: Buffer.from(user["client-certificate-data"], "base64").toString(),
    key: Buffer.from(user["client-key-data"], "base64").toString(),
    rejectUnauthorized: false,
  };
  return async (method: string, path: string, body?: object, contentType = "application/merge-patch+json"): Promise<any> => {
    const r = await fetch(`https://127.0.0.1:${port}${path}`, { method, body: body && JSON.stringify(body), headers: { "content-type": contentType }, tls } as RequestInit);
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return JSON.parse(text);
  };
}

const httpdPod = (replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: NS },
  spec: {
    replicas,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: "httpd",
          image: "busybox",
          // Each pod answers its own name on /, and serves a 64 MiB file for the stream run.
          command: ["sh", "-c", "mkdir -p /www && echo $HOSTNAME > /www/index.html && dd if=/dev/zero of=/www/big bs=1048576 count=64 2>/dev/null && exec httpd -f -p 8080 -h /www"],
          ports: [{ name: "http", containerPort: 8080 }],
          readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 1 },
        }],
      },
    },
  },
});

export async function realNodeProxyBench(seconds: number): Promise<void> {
  for (const bin of ["/usr/sbin/haproxy", "/usr/bin/wrk", "/usr/bin/curl"]) if (!existsSync(bin)) throw new Error(`${bin} missing: apt-get install -y haproxy wrk curl`);
  const dir = mkdtempSync(join(tmpdir(), "netbench-haproxy-"));
  let c: RealCluster | undefined;
  let haproxy: ReturnType<typeof Bun.spawn> | undefined;
  try {
    const t0 = performance.now();
    c = await startRealCluster({
      name: "netbench",
      nodeName: "netbench-node",
      namespace: NS,
      clusterCidr: CLUSTER_CIDR,
      extraArgs: ["--service-cidr", SERVICE_CIDR, "--cluster-dns", "10.43.240.10", "--flannel-backend", "host-gw"],
    });
    const cl = c;
    await cl.apply(httpdPod(3));
    await cl.apply({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: NS }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } });
    const pods = await cl.until("3 ready web pods", async () => {
      const list = await cl.json("get", "pods", "-n", NS, "-l", "app=web");
      const ready = list.items.filter((p: any) => p.status?.podIP && p.status?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True"));
      return ready.length === 3 ? ready.map((p: any) => ({ name: p.metadata.name as string, ip: p.status.podIP as string })) : undefined;
    }, 300_000);
    const clusterIP = await cl.k("get", "service", "web", "-n", NS, "-o", "jsonpath={.spec.clusterIP}");
    await cl.until("the ClusterIP answering", async () => (await getOnce(clusterIP, 80)).startsWith("web-"));
    console.log(`\n# real node: built k3rs server + containerd, 3 busybox httpd pods (${pods.map((p: { ip: string }) => p.ip).join(", ")}) behind ClusterIP ${clusterIP}; ready in ${fmt((performance.now() - t0) / 1000, 0)} s`);

    const cfg = join(dir, "haproxy.cfg");
    writeFileSync(cfg, [
      "global", "  nbthread 1", "  maxconn 4000",
      "defaults", "  mode tcp", "  timeout connect 5s", "  timeout client 60s", "  timeout server 60s",
      "frontend f", `  bind 127.0.0.1:${HAPROXY_PORT}`, "  default_backend b",
      "backend b", "  balance roundrobin", ...pods.map((p: { ip: string }, i: number) => `  server s${i} ${p.ip}:8080`), "",
    ].join("\n"));
    haproxy = Bun.spawn(["/usr/sbin/haproxy", "-db", "-f", cfg], { stdout: "ignore", stderr: "inherit" });
    await cl.until("HAProxy answering", async () => (await getOnce("127.0.0.1", HAPROXY_PORT)).startsWith("web-"), 10_000);

    console.log(`# wrk -t2 -c32 -d${seconds}s from the host: ClusterIP (k3rs proxy) vs HAProxy ${(await run(["haproxy", "-v"])).split("\n")[0]!.split(" ")[2]} (TCP, 1 thread) to the same pods`);
    for (const close of [false, true]) {
      const label = close ? "new connection per request" : "keep-alive (client side)";
      const ours: WrkResult[] = [];
      const theirs: WrkResult[] = [];
      for (let round = 0; round < 2; round++) {
        const pair = [async () => ours.push(await wrk(`http://${clusterIP}/`, close, seconds)), async () => theirs.push(await wrk(`http://127.0.0.1:${HAPROXY_PORT}/`, close, seconds))];
        if (round % 2) pair.reverse();
        for (const step of pair) await step();
      }
      const best = (a: WrkResult[]) => a.reduce((x, y) => (y.rps > x.rps ? y : x));
      const o = best(ours);
      const h = best(theirs);
      console.log(`${label.padEnd(28)} k3rs ${fmt(o.rps, 0)} req/s p99 ${fmt(o.p99ms, 2)} ms | haproxy ${fmt(h.rps, 0)} req/s p99 ${fmt(h.p99ms, 2)} ms | ratio ${fmt(o.rps / h.rps, 2)}x  (runs k3rs ${ours.map((x) => fmt(x.rps, 0)).join("/")}, haproxy ${theirs.map((x) => fmt(x.rps, 0)).join("/")})`);
    }

    const curlMBps = async (url: string) => {
      const [size, time] = (await run(["curl", "-s", "-o", "/dev/null", "-w", "%{size_download} %{time_total}", url])).trim().split(" ").map(Number);
      if (size !== 64 * 1048576) throw new Error(`${url}: got ${size} bytes`);
      return size! / 1e6 / time!;
    };
    const via: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < 3; i++) {
      via.push(await curlMBps(`http://${clusterIP}/big`));
      direct.push(await curlMBps(`http://${pods[0]!.ip}:8080/big`));
    }
    const [v, d] = [Math.max(...via), Math.max(...direct)];
    console.log(`64 MiB file (curl, best of 3)  ClusterIP ${fmt(v, 0)} MB/s | direct to a pod ${fmt(d, 0)} MB/s | ratio ${fmt(v / d, 2)}x`);

    await endpointChangeLatency(cl, pods);
    await nodeDns(cl, dir, seconds);
  } finally {
    haproxy?.kill("SIGKILL");
    await haproxy?.exited;
    await c?.close();
    // host-gw leaves no vxlan device; the node's unreachable routes for its own CIDRs go here.
    for (const cidr of [CLUSTER_CIDR, SERVICE_CIDR]) await sh(["ip", "route", "del", "unreachable", cidr]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A change written through the API until the first new connection through the ClusterIP
 * reaches the pod the change points at. Polling opens one connection at a time, so the figure
 * is bounded below by one round trip through the proxy.
 */
async function endpointChangeLatency(c: RealCluster, pods: { name: string; ip: string }[]): Promise<void> {
  const api = apiClient(c.server.kubeconfig, c.server.port);
  const [a, b] = [pods[0]!, pods[1]!];
  const sliceOf = (p: { ip: string; name: string }) => ({
    endpoints: [{ addresses: [p.ip], conditions: { ready: true }, targetRef: { kind: "Pod", namespace: NS, name: p.name } }],
  });
  await api("POST", `/api/v1/namespaces/${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "flip" }, spec: { ports: [{ name: "http", port: 80, targetPort: 8080 }] } }, "application/json");
  await api("POST", `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "flip-1", labels: { "kubernetes.io/service-name": "flip", "endpointslice.kubernetes.io/managed-by": "netbench" } },
    addressType: "IPv4",
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    ...sliceOf(a),
  }, "application/json");
  const flipIP: string = (await api("GET", `/api/v1/namespaces/${NS}/services/flip`)).spec.clusterIP;
  await c.until("flip answering", async () => (await getOnce(flipIP, 80)) === a.name);

  const measure = async (label: string, write: (to: { name: string; ip: string }) => Promise<unknown>, clusterIP: string) => {
    const fromWrite: number[] = [];
    const fromCommit: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const to = i % 2 ? a : b;
      const t0 = performance.now();
      await write(to);
      const t1 = performance.now();
      const deadline = t1 + 30_000;
      while ((await getOnce(clusterIP, 80)) !== to.name) if (performance.now() > deadline) throw new Error(`${label}: ${to.name} not reached in 30 s`);
      const t2 = performance.now();
      fromWrite.push(t2 - t0);
      fromCommit.push(t2 - t1);
    }
    const w = summary(fromWrite);
    const k = summary(fromCommit);
    console.log(`${label.padEnd(44)} from the API's answer p50 ${fmt(k.p50, 1)} ms p99 ${fmt(k.p99, 1)} ms; from the request p50 ${fmt(w.p50, 1)} ms p99 ${fmt(w.p99, 1)} ms (n=${w.n})`);
  };
  await measure("EndpointSlice PATCHed → proxy uses it", (to) => api("PATCH", `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices/flip-1`, sliceOf(to)), flipIP);

  // The controller's path: label each pod, point a Service's selector at one, then the other.
  for (const p of [a, b]) await api("PATCH", `/api/v1/namespaces/${NS}/pods/${p.name}`, { metadata: { labels: { "netbench-id": p.name } } });
  await api("POST", `/api/v1/namespaces/${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "sel" }, spec: { selector: { "netbench-id": a.name }, ports: [{ port: 80, targetPort: 8080 }] } }, "application/json");
  const selIP: string = (await api("GET", `/api/v1/namespaces/${NS}/services/sel`)).spec.clusterIP;
  await c.until("sel answering", async () => (await getOnce(selIP, 80)) === a.name);
  await measure("Service selector PATCHed → slice → proxy", (to) => api("PATCH", `/api/v1/namespaces/${NS}/services/sel`, { spec: { selector: { "netbench-id": to.name } } }), selIP);
}

async function dnsperf(host: string, port: number, queryFile: string, extra: string[]): Promise<string> {
  return run(["dnsperf", "-s", host, "-p", String(port), "-d", queryFile, "-T", "1", "-c", "1", "-t", "2", ...extra]);
}

/**
 * The node's cluster DNS as pods meet it (its Service IP on the node, answers from the
 * informers' records) beside dnsmasq serving the same names from a hosts file, same run:
 * queries/s at full speed (100 outstanding) and p50/p99 at a fixed 2000 qps.
 */
async function nodeDns(c: RealCluster, dir: string, seconds: number): Promise<void> {
  if (!Bun.which("dnsperf") || !Bun.which("dnsmasq", { PATH: "/usr/sbin:/usr/bin" })) {
    console.log("cluster DNS: skipped (apt-get install -y dnsperf dnsmasq)");
    return;
  }
  const svcs = (await c.json("get", "services", "-A")).items.filter((s: any) => s.spec?.clusterIP && s.spec.clusterIP !== "None");
  const hosts = svcs.map((s: any) => `${s.spec.clusterIP} ${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`);
  const queries = [
    ...svcs.map((s: any) => `${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local A`),
    ...svcs.map((s: any) => `${s.spec.clusterIP.split(".").reverse().join(".")}.in-addr.arpa PTR`),
    `missing.${NS}.svc.cluster.local A`,
  ];
  writeFileSync(join(dir, "hosts"), hosts.join("\n") + "\n");
  const queryFile = join(dir, "queries.txt");
  writeFileSync(queryFile, queries.join("\n") + "\n");
  const dnsmasq = Bun.spawn([Bun.which("dnsmasq", { PATH: "/usr/sbin:/usr/bin" })!, "--keep-in-foreground", "--no-resolv", "--no-hosts", `--addn-hosts=${join(dir, "hosts")}`,
    "--local=/cluster.local/", "--listen-address=" + DNSMASQ.ip, "--bind-interfaces", `--port=${DNSMASQ.port}`, "--cache-size=10000", "--user=root", `--pid-file=${join(dir, "dnsmasq.pid")}`], { stdout: "ignore", stderr: "pipe" });
  try {
    await Bun.sleep(500);
    const sides = [["k3rs node", CLUSTER_DNS, 53], ["dnsmasq", DNSMASQ.ip, DNSMASQ.port]] as const;
    const qps: Record<string, number[]> = {};
    const lat: Record<string, { p50: number; p99: number }> = {};
    for (let round = 0; round < 2; round++)
      for (const [who, host, port] of round % 2 ? [...sides].reverse() : sides) {
        const out = await dnsperf(host, port, queryFile, ["-l", String(seconds), "-q", "100"]);
        (qps[who] ??= []).push(Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]));
        if (round === 0) {
          const v = await dnsperf(host, port, queryFile, ["-l", "3", "-Q", "2000", "-v"]);
          const samples = [...v.matchAll(/^> \S+ .* ([\d.]+)$/gm)].map((m) => Number(m[1]) * 1e6);
          lat[who] = summary(samples);
        }
      }
    const o = Math.max(...qps["k3rs node"]!);
    const d = Math.max(...qps.dnsmasq!);
    console.log(`cluster DNS on the node (${CLUSTER_DNS}), ${queries.length} names (A, PTR, NXDOMAIN), dnsperf 1 thread: k3rs ${fmt(o, 0)} qps | dnsmasq ${fmt(d, 0)} qps | ratio ${fmt(o / d, 2)}x; at 2000 qps p50/p99 k3rs ${fmt(lat["k3rs node"]!.p50, 0)}/${fmt(lat["k3rs node"]!.p99, 0)} µs, dnsmasq ${fmt(lat.dnsmasq!.p50, 0)}/${fmt(lat.dnsmasq!.p99, 0)} µs`);
  } finally {
    dnsmasq.kill();
    await dnsmasq.exited;
  }
}

/**
 * Service proxy benchmark, all inside a network namespace of its own (nothing leaves it):
 *  1. HTTP requests/s and p99 (wrk) through a ClusterIP to 3 Bun.serve backends, beside
 *     HAProxy 2.6 in TCP mode (one thread, like our one event loop) to the same backends,
 *     same run, keep-alive and a new connection per request; prints the ratio.
 *  2. One 64 MiB TCP stream: through the ClusterIP vs straight to the backend (and via
 *     HAProxy), MB/s. A userspace relay copies every byte twice, so "direct" is the ceiling.
 *  3. Time from a service-table update to the proxy using it (in-process, on loopback):
 *     an EndpointSlice change until a new connection reaches the new endpoint, and a new
 *     Service until its first connection is answered; and a new ClusterIP Service in the
 *     namespace (its address added with `ip`) until a client's first request is answered.
 *  4. The same through a REAL node (bench/lib/real-node-proxy.ts): the built `k3rs server`,
 *     3 busybox httpd pods behind a ClusterIP vs HAProxy to the same pods, a 64 MiB file
 *     through the ClusterIP vs direct, and EndpointSlice changes made through the API.
 *
 *   bun bench/proxy.ts [seconds per wrk run, default 8] [--in-process | --real-node]
 *   (root; Debian haproxy, wrk and curl; the real-node part needs bin/k3rs and containerd)
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import client from "prom-client";
import { ServiceProxy } from "../src/net/proxy/service-proxy.ts";
import { askOnce, idServer } from "../src/net/proxy/testing/net.ts";
import { service, slice } from "../src/net/proxy/testing/objects.ts";
import { type RpcChild, spawnRpcChild } from "../test/helpers/line-rpc.ts";
import { realNodeProxyBench } from "./lib/real-node-proxy.ts";
import { fmt, summary } from "./lib/stats.ts";

const args = process.argv.slice(2);
const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? 8);
const parts = { inProcess: !args.includes("--real-node"), realNode: !args.includes("--in-process") };
const NS = `k3rs-pxb-${process.pid}`;
const PODS = ["10.42.0.11", "10.42.0.12", "10.42.0.13"];
const HELPERS = join(import.meta.dir, "..", "test", "helpers");
const children: RpcChild[] = [];
let haproxy: ReturnType<typeof Bun.spawn> | undefined;
const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-proxy-"));
const addedRoutes: string[] = [];

function sh(argv: string[]): { code: number; out: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}
function must(argv: string[]): string {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.out}`);
  return r.out;
}
const inNs = (argv: string[]) => ["nsenter", `--net=/run/netns/${NS}`, ...argv];

async function cleanup(): Promise<void> {
  haproxy?.kill("SIGKILL");
  for (const c of children) await c.stop();
  sh(["ip", "netns", "del", NS]);
  for (const cidr of addedRoutes) sh(["ip", "route", "del", "unreachable", cidr]);
  rmSync(dir, { recursive: true, force: true });
}

function wrk(url: string, close: boolean): { rps: number; p99ms: number } {
  const args = ["wrk", "-t2", "-c32", `-d${seconds}s`, "--latency", ...(close ? ["-H", "Connection: close"] : []), url];
  const out = must(inNs(args));
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : NaN;
  return { rps, p99ms };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("needs root (network namespace)");
  for (const bin of ["/usr/sbin/haproxy", "/usr/bin/wrk"]) if (!existsSync(bin)) throw new Error(`${bin} missing: apt-get install -y haproxy wrk`);
  const routes = must(["ip", "route", "show", "type", "unreachable"]);
  for (const cidr of ["10.42.0.0/16", "10.43.0.0/16"])
    if (!routes.split("\n").some((l) => l.trim().split(/\s+/).includes(cidr))) {
      must(["ip", "route", "add", "unreachable", cidr]);
      addedRoutes.push(cidr);
    }
  must(["ip", "netns", "add", NS]);
  must(["ip", "-n", NS, "link", "set", "lo", "up"]);
  must(["ip", "-n", NS, "link", "add", "pxb-pods", "type", "bridge"]);
  for (const ip of PODS) must(["ip", "-n", NS, "addr", "add", `${ip}/32`, "dev", "pxb-pods"]);
  must(["ip", "-n", NS, "link", "set", "pxb-pods", "up"]);

  // One process per backend, as pods are.
  for (const ip of PODS) {
    const w = spawnRpcChild(inNs([process.execPath, join(HELPERS, "netns-worker.ts")]));
    children.push(w);
    await w.call("httpServer", { ip, port: 8080 });
  }
  const client0 = children[0]!;
  const proxy = spawnRpcChild(inNs([process.execPath, join(HELPERS, "service-proxy-node.ts"), NS]));
  children.push(proxy);
  await proxy.call("service", { type: "ADDED", object: service("web", { clusterIP: "10.43.0.30", ports: [{ name: "http", port: 80, targetPort: 8080 }] }) });
  await proxy.call("slice", { type: "ADDED", object: slice("web", "web", [{ name: "http", port: 8080 }], PODS.map((ip) => ({ ip }))) });
  await proxy.call("synced");

  const SIZE = 64 * 1024 * 1024;
  const { port: streamPort } = await client0.call("streamServer", { ip: PODS[0], size: SIZE });

  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(
    cfg,
    [
      "global",
      "  nbthread 1",
      "  maxconn 4000",
      "defaults",
      "  mode tcp",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "frontend f",
      "  bind 127.0.0.1:18080",
      "  default_backend b",
      "backend b",
      "  balance roundrobin",
      ...PODS.map((ip, i) => `  server s${i} ${ip}:8080`),
      "listen stream",
      "  bind 127.0.0.1:18082",
      `  server big ${PODS[0]}:${streamPort}`,
      "",
    ].join("\n"),
  );
  haproxy = Bun.spawn(inNs(["/usr/sbin/haproxy", "-db", "-f", cfg]), { stdout: "ignore", stderr: "inherit" });
  await Bun.sleep(500);

  console.log(`# service proxy vs HAProxy ${must(["haproxy", "-v"]).split("\n")[0]!.split(" ")[2]} (TCP mode, 1 thread), wrk -t2 -c32 -d${seconds}s, 3 Bun.serve backends, in netns ${NS}`);
  for (const close of [false, true]) {
    const label = close ? "new connection per request" : "keep-alive";
    // Alternate the order so neither side always runs on a warmer machine.
    const ours: { rps: number; p99ms: number }[] = [];
    const theirs: { rps: number; p99ms: number }[] = [];
    for (let round = 0; round < 2; round++) {
      const pair = [() => ours.push(wrk("http://10.43.0.30/", close)), () => theirs.push(wrk("http://127.0.0.1:18080/", close))];
      if (round % 2) pair.reverse();
      for (const run of pair) run();
    }
    const best = (a: { rps: number; p99ms: number }[]) => a.reduce((x, y) => (y.rps > x.rps ? y : x));
    const o = best(ours);
    const h = best(theirs);
    console.log(
      `${label.padEnd(28)} k3rs ${fmt(o.rps, 0)} req/s p99 ${fmt(o.p99ms, 2)} ms | haproxy ${fmt(h.rps, 0)} req/s p99 ${fmt(h.p99ms, 2)} ms | ratio ${fmt(o.rps / h.rps, 2)}x  (runs k3rs ${ours.map((x) => fmt(x.rps, 0)).join("/")}, haproxy ${theirs.map((x) => fmt(x.rps, 0)).join("/")})`,
    );
  }

  // 2. stream
  await proxy.call("service", { type: "ADDED", object: service("big", { clusterIP: "10.43.0.31", ports: [{ port: 9000 }] }) });
  await proxy.call("slice", { type: "ADDED", object: slice("big", "big", [{ port: streamPort }], [{ ip: PODS[0]! }]) });
  await proxy.call("synced");
  const mbps = (r: { bytes: number; ms: number }) => r.bytes / 1e6 / (r.ms / 1000);
  const via: number[] = [];
  const direct: number[] = [];
  const hap: number[] = [];
  for (let i = 0; i < 3; i++) {
    via.push(mbps(await client0.call("download", { ip: "10.43.0.31", port: 9000 })));
    direct.push(mbps(await client0.call("download", { ip: PODS[0], port: streamPort })));
    hap.push(mbps(await client0.call("download", { ip: "127.0.0.1", port: 18082 })));
  }
  const bestOf = (a: number[]) => Math.max(...a);
  const [v, d, h] = [bestOf(via), bestOf(direct), bestOf(hap)];
  console.log(`64 MiB stream (best of 3)    k3rs ${fmt(v, 0)} MB/s | direct ${fmt(d, 0)} MB/s (k3rs ${fmt(v / d, 2)}x) | haproxy ${fmt(h, 0)} MB/s (k3rs ${fmt(v / h, 2)}x)`);

  // A new ClusterIP Service end to end in the namespace: events over RPC, `ip addr` for the
  // ClusterIP, listen, then a client's first request answered.
  const { port: idPort } = await client0.call("tcpIdServer", { ip: PODS[1], id: "new" });
  const newSvc: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const name = `new-${i}`;
    await proxy.call("service", { type: "ADDED", object: service(name, { clusterIP: `10.43.1.${i + 1}`, ports: [{ port: 80 }] }) });
    await proxy.call("slice", { type: "ADDED", object: slice(name, name, [{ port: idPort }], [{ ip: PODS[1]! }]) });
    await proxy.call("synced");
    if ((await client0.call("ask", { ip: `10.43.1.${i + 1}`, port: 80 })) !== "new") throw new Error(`${name} not served`);
    newSvc.push(performance.now() - t0);
  }
  const ns = summary(newSvc);
  console.log(`new ClusterIP Service in the netns to its first answered request (RPC + ip addr + listen) p50 ${fmt(ns.p50, 1)} ms p99 ${fmt(ns.p99, 1)} ms (n=${ns.n})`);
}

/** 3. In-process, loopback only: how soon a table update is used. */
async function updateLatency(): Promise<void> {
  const a = idServer("127.0.0.1", "a");
  const b = idServer("127.0.0.1", "b");
  const proxy = new ServiceProxy({ nodeName: "n1", nodeIPs: [], registry: new client.Registry() });
  const port = 20000 + (process.pid % 20000);
  proxy.applyService("ADDED", service("web", { clusterIP: "127.0.0.50", ports: [{ port }] }));
  await proxy.synced();
  const applyUs: number[] = [];
  const firstMs: number[] = [];
  for (let i = 0; i < 300; i++) {
    const to = i % 2 ? b : a;
    const t0 = performance.now();
    proxy.applyEndpointSlice("MODIFIED", slice("web", "web", [{ port: to.port }], [{ ip: "127.0.0.1" }]));
    const t1 = performance.now();
    const got = await askOnce("127.0.0.50", port);
    const t2 = performance.now();
    if (got !== (i % 2 ? "b" : "a")) throw new Error(`update ${i}: connection reached ${got}`);
    applyUs.push((t1 - t0) * 1000);
    firstMs.push(t2 - t0);
  }
  const svcMs: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const name = `s${i}`;
    proxy.applyService("ADDED", service(name, { clusterIP: "127.0.0.51", ports: [{ port: port + 1 + i }] }));
    proxy.applyEndpointSlice("ADDED", slice(name, name, [{ port: a.port }], [{ ip: "127.0.0.1" }]));
    await proxy.synced();
    if ((await askOnce("127.0.0.51", port + 1 + i)) !== "a") throw new Error("new service not served");
    svcMs.push(performance.now() - t0);
  }
  const s1 = summary(applyUs);
  const s2 = summary(firstMs);
  const s3 = summary(svcMs);
  console.log(`EndpointSlice change applied  p50 ${fmt(s1.p50, 0)} µs p99 ${fmt(s1.p99, 0)} µs (n=${s1.n}); to the first connection reaching the new endpoint p50 ${fmt(s2.p50, 2)} ms p99 ${fmt(s2.p99, 2)} ms`);
  console.log(`new Service to its first answered connection (listen + slice + connect) p50 ${fmt(s3.p50, 2)} ms p99 ${fmt(s3.p99, 2)} ms (n=${s3.n}; no ip addr here)`);
  await proxy.stop();
  a.stop(true);
  b.stop(true);
}

try {
  if (parts.inProcess) {
    await main();
    await updateLatency();
  }
} finally {
  await cleanup();
}
if (parts.realNode) await realNodeProxyBench(seconds);
process.exit(0);

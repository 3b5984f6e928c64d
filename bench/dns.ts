/**
 * Cluster DNS benchmark: k3rs's DNS server beside dnsmasq (Debian) serving the same records
 * (a hosts file), queried by dnsperf in the same run, on loopback.
 *
 *   apt-get install -y dnsperf dnsmasq && bun bench/dns.ts
 *
 * Two measurements per server, rounds interleaved so both see the same machine load:
 * - throughput: dnsperf at full speed (100 queries outstanding) for BENCH_DNS_SECONDS;
 * - latency: dnsperf at a fixed BENCH_DNS_QPS with per-query latencies (-v), for p50/p99.
 * The query mix: A for existing service names, PTR for their IPs, A for unknown names in the
 * zone (NXDOMAIN). Prints figures and k3rs/dnsmasq ratios; no thresholds.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterDnsStore, startClusterDns } from "../src/net/dns/index.ts";
import { fmt, summary } from "./lib/stats.ts";

const SECONDS = Number(process.env.BENCH_DNS_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_DNS_ROUNDS ?? 2);
const LATENCY_QPS = Number(process.env.BENCH_DNS_QPS ?? 10_000);
const SERVICES = Number(process.env.BENCH_DNS_SERVICES ?? 1000);
const NS = "bench";

const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);

for (const bin of ["dnsperf", "dnsmasq"]) {
  if (!Bun.which(bin) && !Bun.which(bin, { PATH: "/usr/sbin:/usr/bin" })) throw new Error(`${bin} not found: apt-get install -y dnsperf dnsmasq`);
}

const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-dns-"));
const ipOf = (i: number) => `10.43.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`;
const nameOf = (i: number) => `svc-${i}.${NS}.svc.cluster.local`;

// --- the same records on both sides ----------------------------------------------------
const store = new ClusterDnsStore({ dnsServiceIp: "10.43.0.10" });
const hosts: string[] = [];
for (let i = 0; i < SERVICES; i++) {
  store.apply({ apiVersion: "v1", kind: "Service", metadata: { name: `svc-${i}`, namespace: NS }, spec: { clusterIP: ipOf(i), clusterIPs: [ipOf(i)], ports: [{ name: "http", port: 80 }] } });
  hosts.push(`${ipOf(i)} ${nameOf(i)}`);
}
writeFileSync(join(dir, "hosts"), hosts.join("\n") + "\n");

const queries: string[] = [];
for (let i = 0; i < SERVICES; i++) {
  queries.push(`${nameOf(i)} A`);
  if (i % 10 === 0) queries.push(`${ipOf(i).split(".").reverse().join(".")}.in-addr.arpa PTR`);
  if (i % 10 === 5) queries.push(`missing-${i}.${NS}.svc.cluster.local A`);
}
// Shuffle so neither server sees a friendlier order.
for (let i = queries.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [queries[i], queries[j]] = [queries[j]!, queries[i]!];
}
const queryFile = join(dir, "queries.txt");
writeFileSync(queryFile, queries.join("\n") + "\n");

// --- servers ------------------------------------------------------------------------------
async function freeUdpPort(host: string): Promise<number> {
  const s = await Bun.udpSocket({ hostname: host, port: 0 });
  const p = s.port;
  s.close();
  return p;
}

const ours = await startClusterDns({ store, hostname: "127.0.0.1", port: 0, upstreams: [] });
const dnsmasqPort = await freeUdpPort("127.0.0.2");
const dnsmasq = Bun.spawn(
  [
    Bun.which("dnsmasq", { PATH: "/usr/sbin:/usr/bin" })!,
    "--keep-in-foreground",
    "--no-resolv",
    "--no-hosts",
    `--addn-hosts=${join(dir, "hosts")}`,
    "--local=/cluster.local/",
    "--local-ttl=5",
    "--listen-address=127.0.0.2",
    "--bind-interfaces",
    `--port=${dnsmasqPort}`,
    "--cache-size=10000",
    "--user=root",
    `--pid-file=${join(dir, "dnsmasq.pid")}`,
  ],
  { stdout: "ignore", stderr: "pipe" },
);

async function dig(host: string, port: number, name: string): Promise<string> {
  const p = Bun.spawn(["dig", `@${host}`, "-p", String(port), "+short", "+tries=1", "+time=1", name], { stdout: "pipe" });
  return (await new Response(p.stdout).text()).trim();
}

// --- measurements ---------------------------------------------------------------------
interface Perf {
  qps: number;
  lost: number;
}

async function dnsperf(host: string, port: number, extra: string[]): Promise<string> {
  const p = Bun.spawn(["dnsperf", "-s", host, "-p", String(port), "-d", queryFile, "-T", "1", "-c", "1", "-t", "2", ...extra], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return out;
}

async function throughput(host: string, port: number): Promise<Perf> {
  const out = await dnsperf(host, port, ["-l", String(SECONDS), "-q", "100"]);
  const qps = Number(out.match(/Queries per second:\s+([\d.]+)/)?.[1] ?? NaN);
  const lost = Number(out.match(/Queries lost:\s+(\d+)/)?.[1] ?? NaN);
  return { qps, lost };
}

async function latency(host: string, port: number): Promise<{ p50: number; p99: number; n: number }> {
  const out = await dnsperf(host, port, ["-l", "4", "-Q", String(LATENCY_QPS), "-v"]);
  const samples: number[] = [];
  for (const m of out.matchAll(/^> \S+ .* ([\d.]+)$/gm)) samples.push(Number(m[1]) * 1e6);
  return summary(samples);
}

const results = { ours: { qps: [] as number[], lost: 0, p50: [] as number[], p99: [] as number[] }, dnsmasq: { qps: [] as number[], lost: 0, p50: [] as number[], p99: [] as number[] } };
try {
  // Both answer the same before anything is timed.
  for (let i = 0; i < 50; i++) {
    if ((await dig("127.0.0.2", dnsmasqPort, nameOf(0))) === ipOf(0)) break;
    await Bun.sleep(100);
  }
  const a = await dig("127.0.0.1", ours.port, nameOf(7));
  const b = await dig("127.0.0.2", dnsmasqPort, nameOf(7));
  if (a !== ipOf(7) || b !== ipOf(7)) throw new Error(`servers disagree before the run: k3rs ${JSON.stringify(a)}, dnsmasq ${JSON.stringify(b)}`);

  for (let round = 0; round < ROUNDS; round++) {
    for (const [who, host, port] of [["ours", "127.0.0.1", ours.port], ["dnsmasq", "127.0.0.2", dnsmasqPort]] as const) {
      progress(`round ${round + 1}/${ROUNDS}: ${who} throughput`);
      const t = await throughput(host, port);
      results[who].qps.push(t.qps);
      results[who].lost += t.lost;
      progress(`round ${round + 1}/${ROUNDS}: ${who} latency at ${LATENCY_QPS} qps`);
      const l = await latency(host, port);
      results[who].p50.push(l.p50);
      results[who].p99.push(l.p99);
    }
  }
} finally {
  ours.stop();
  dnsmasq.kill();
  await dnsmasq.exited;
  rmSync(dir, { recursive: true, force: true });
}

const best = (xs: number[]) => Math.max(...xs);
const median = (xs: number[]) => summary(xs).p50;
console.log(`\nDNS: ${SERVICES} services, ${queries.length} distinct queries (A, PTR, NXDOMAIN), dnsperf 1 thread, ${SECONDS}s x ${ROUNDS} rounds`);
line("k3rs qps (best round)", fmt(best(results.ours.qps), 0) + `   rounds: ${results.ours.qps.map((q) => fmt(q, 0)).join(", ")}`);
line("dnsmasq qps (best round)", fmt(best(results.dnsmasq.qps), 0) + `   rounds: ${results.dnsmasq.qps.map((q) => fmt(q, 0)).join(", ")}`);
line("qps ratio k3rs/dnsmasq", fmt(best(results.ours.qps) / best(results.dnsmasq.qps), 2));
line(`k3rs latency at ${LATENCY_QPS} qps p50 / p99 (µs)`, `${fmt(median(results.ours.p50), 0)} / ${fmt(median(results.ours.p99), 0)}`);
line(`dnsmasq latency at ${LATENCY_QPS} qps p50 / p99 (µs)`, `${fmt(median(results.dnsmasq.p50), 0)} / ${fmt(median(results.dnsmasq.p99), 0)}`);
line("p99 ratio k3rs/dnsmasq", fmt(median(results.ours.p99) / median(results.dnsmasq.p99), 2));
line("queries lost k3rs / dnsmasq", `${results.ours.lost} / ${results.dnsmasq.lost}`);
line("k3rs process RSS (MiB)", fmt(process.memoryUsage().rss / 1048576, 0));

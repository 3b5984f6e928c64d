/**
 * Watch delivery: k3rs (built executable, HTTPS + client certs) beside etcd 3.4 (JSON gateway,
 * plain HTTP), the same watchers and the same write rate, in one run.
 *
 *   npm run build && bun bench/watch.ts
 *
 * Prints, for each: server RSS per idle watcher, and delivery latency p50/p99 (write sent →
 * event read by each watcher) with BENCH_WATCHERS (1,000) watchers while one writer creates
 * objects at BENCH_WATCH_RATE (100) writes/s for BENCH_WATCH_SECONDS (5). Every watcher has
 * its own socket; the client only scans for revisions (bench/lib/raw-watch.ts), so it is not
 * what is measured. BENCH_BASELINE_BIN=<an older bin/k3rs> measures it too, first, in the same
 * run. Server CPU per delivery is printed beside latency: on a shared box it moves less. The floor
 * is printed too: the same watchers and writes served by a process that only forwards each write's
 * line to every stream (bench/lib/static-fanout.ts). No
 * thresholds. BENCH_WATCH_K3RS_ONLY=1 skips etcd. When deliveries are missing, the affected
 * watchers are described (which revisions, one run or holes, the stream's bytes and framing)
 * and checked again 5 s later, to tell a cut-off wait from a lost event.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import YAML from "yaml";
import { freePort, startE2EServer } from "../test/helpers/e2e-server.ts";
import { cpuMs, systemCpuMs } from "./lib/cpu-time.ts";
import { fmt, rssMiB, summary } from "./lib/stats.ts";
import { etcdBinary, startEtcd } from "./lib/etcd.ts";
import { awaitDelivery, openRawWatchers, writeAtRate, type RawWatchers, type WatcherDiagnosis } from "./lib/raw-watch.ts";
import { startStaticFanout } from "./lib/static-fanout.ts";

const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1000);
const RATE = Number(process.env.BENCH_WATCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_WATCH_SECONDS ?? 5);
const payload = "x".repeat(900); // ~1 KB objects, as bench/api.ts
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);
const line = (label: string, value: string) => console.log(`${label.padEnd(46)} ${value}`);

interface Figures {
  ready: number;
  kibPerWatcher: number;
  p50: number;
  p99: number;
  samples: number;
  missing: number;
  /** Watch connections the other side ended during the run. */
  endedEarly: number;
  failedWrites: number;
  /** Server CPU time (ms) per 1,000 deliveries, over the write phase and its delivery. */
  cpuPer1k: number;
  /** The part of cpuPer1k spent in the kernel (socket writes on loopback carry the receiver's TCP work too). */
  kernelPer1k: number;
  /** This (client) process's CPU over the same span, as a share of one core: near 1, the client is what lags. */
  clientCores: number;
}

/** Opens the watchers, measures the server's RSS before and after, writes, and waits for delivery. */
async function measure(pid: number, open: () => Promise<RawWatchers>, write: (i: number) => Promise<number>, logs?: () => string, settleMs = 1000): Promise<Figures> {
  await Bun.sleep(settleMs);
  const before = rssMiB(pid);
  const watchers = await open();
  await Bun.sleep(2000);
  const after = rssMiB(pid);
  const kibPerWatcher = ((after - before) * 1024) / Math.max(1, watchers.ready);
  progress(`${watchers.ready} watchers ready; writing ${RATE}/s for ${SECONDS} s`);
  const cpu0 = cpuMs(pid);
  const sys0 = systemCpuMs(pid);
  const client0 = process.cpuUsage();
  const wall0 = performance.now();
  const { sent, failed, firstError } = await writeAtRate(RATE, SECONDS, write);
  if (firstError) progress(`${failed} writes failed, the first: ${firstError}`);
  // Delivery ends when every watcher has every written event, or none arrives for 3 s, or after
  // 60 s (etcd's gateway has fallen 20–30 s behind on this box).
  const { delivered } = await awaitDelivery(watchers, sent, { quietMs: 3000, timeoutMs: 60_000 });
  // The namespace's kube-root-ca.crt, when its controller wrote it after the watch's resourceVersion.
  if (watchers.arrivals > delivered) progress(`${watchers.arrivals - delivered} events read beyond the written ones (not counted as deliveries)`);
  const cpu = cpuMs(pid) - cpu0;
  const sys = systemCpuMs(pid) - sys0;
  const client = process.cpuUsage(client0);
  const clientCores = (client.user + client.system) / 1000 / (performance.now() - wall0);
  const { samples, missing } = watchers.latencies(sent);
  const endedEarly = watchers.endedEarly;
  if (missing > 0) await explainMissing(watchers, sent, logs);
  watchers.close();
  const s = summary(samples);
  return { ready: watchers.ready, kibPerWatcher, p50: s.p50, p99: s.p99, samples: s.n, missing, endedEarly, failedWrites: failed, cpuPer1k: (cpu * 1000) / Math.max(1, s.n), kernelPer1k: (sys * 1000) / Math.max(1, s.n), clientCores };
}

/**
 * Where missing deliveries went: per affected watcher, which revisions, whether they are one
 * run (a stalled stream) or holes, and what its bytes looked like; then whether they arrive
 * given more time (the end condition cut them off) or never do.
 */
async function explainMissing(watchers: RawWatchers, sent: Map<number, number>, logs?: () => string): Promise<void> {
  const show = (d: WatcherDiagnosis) => {
    const runs = d.missing.length > 6 ? `${d.missing.slice(0, 3).join(",")}…${d.missing.slice(-3).join(",")}` : d.missing.join(",");
    return `watcher ${d.watcher} (port ${d.localPort}): ${d.missing.length} missing [${runs}] ${d.trailing ? "trailing" : d.contiguous ? "contiguous" : "holes"}; saw ${d.seen} (${d.firstSeen}…${d.lastSeen}), ${d.bytes} bytes, ${d.chunks} chunks${d.framingError ? `, FRAMING: ${d.framingError}` : ""}${d.responseEnded ? ", response ENDED" : ""}${d.disorder ? `, ${d.disorder} out of order` : ""}${d.connectionClosed ? ", connection closed" : ""}`;
  };
  const first = watchers.diagnose(sent);
  progress(`missing deliveries on ${first.length} watchers (writes ${Math.min(...sent.keys())}…${Math.max(...sent.keys())}):`);
  for (const d of first.slice(0, 20)) progress("  " + show(d));
  await Bun.sleep(5000);
  const later = watchers.diagnose(sent);
  const before = first.reduce((n, d) => n + d.missing.length, 0);
  const still = later.reduce((n, d) => n + d.missing.length, 0);
  progress(`5 s later: ${before - still} of them arrived late (the wait ended too soon), ${still} still missing on ${later.length} watchers`);
  for (const d of later.slice(0, 20)) progress("  " + show(d));
  const serverLines = (logs?.() ?? "").split("\n").filter((l) => /watch|warn|error/i.test(l));
  if (serverLines.length) progress(`server log lines about watches or errors:\n${serverLines.slice(-20).join("\n")}`);
}

// --- k3rs ---------------------------------------------------------------------------------
/** The last k3rs server's client credentials and serving certificate, for the floor measured after it. */
let lastTls: { client: { ca: string; cert: string; key: string }; serving: { cert: string; key: string } } | undefined;

async function k3rsFigures(bin?: string): Promise<Figures> {
  const server = await startE2EServer({ bin });
  try {
    const kc = YAML.parse(readFileSync(server.kubeconfig, "utf8"));
    const b64d = (s: string) => Buffer.from(s, "base64").toString("utf8");
    const tls = { ca: b64d(kc.clusters[0].cluster["certificate-authority-data"]), cert: b64d(kc.users[0].user["client-certificate-data"]), key: b64d(kc.users[0].user["client-key-data"]) };
    const tlsDir = join(server.dataDir, "server", "tls");
    lastTls = { client: tls, serving: { cert: readFileSync(join(tlsDir, "serving.crt"), "utf8"), key: readFileSync(join(tlsDir, "serving.key"), "utf8") } };
    const base = `https://127.0.0.1:${server.port}`;
    const req = (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, tls } as RequestInit);
    const ns = await req("/api/v1/namespaces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "watched" } }) });
    if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${await ns.text()}`);
    const rv = ((await (await req("/api/v1/namespaces/watched/configmaps")).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    return await measure(
      server.proc.pid,
      () =>
        openRawWatchers(WATCHERS, {
          port: server.port,
          tls,
          request: `GET /api/v1/namespaces/watched/configmaps?watch=1&resourceVersion=${rv} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
          readyMarker: "HTTP/1.1 200",
          revisionMarker: '"resourceVersion":"',
          chunked: true,
        }),
      async (i) => {
        const r = await req("/api/v1/namespaces/watched/configmaps", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `ev-${i}` }, data: { payload } }),
        });
        if (r.status !== 201) throw new Error(`create ev-${i}: ${r.status}`);
        return Number(((await r.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
      },
      () => server.logs(),
      // The server gives back what start-up left 15 s after it starts (lib/memory-trim.ts): the
      // RSS before and after the watchers open are both read after that.
      20_000,
    );
  } finally {
    await server.stop();
  }
}

// BENCH_BASELINE_BIN: an older build measured in the same run, for before/after figures.
const BASELINE = process.env.BENCH_BASELINE_BIN;
let baseline: Figures | undefined;
if (BASELINE) {
  progress(`k3rs baseline (${BASELINE})`);
  baseline = await k3rsFigures(BASELINE);
}
progress("k3rs");
const k3rs = await k3rsFigures();

// --- the floor ----------------------------------------------------------------------------
progress("the floor: a fan-out server that only forwards each write to every stream");
const fanout = await startStaticFanout(lastTls!.serving);
const floor = await measure(
  fanout.pid,
  () =>
    openRawWatchers(WATCHERS, {
      port: fanout.port,
      tls: lastTls!.client,
      request: "GET /watch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      readyMarker: "HTTP/1.1 200",
      revisionMarker: '"resourceVersion":"',
      chunked: true,
    }),
  async () => {
    const r = await fetch(`https://127.0.0.1:${fanout.port}/write`, { method: "POST", body: JSON.stringify({ data: { payload } }), tls: lastTls!.client } as RequestInit);
    if (r.status !== 201) throw new Error(`fan-out write: ${r.status}`);
    return Number(((await r.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
  },
);
await fanout.stop();

// --- etcd ---------------------------------------------------------------------------------
let etcd: Figures | undefined;
// BENCH_WATCH_K3RS_ONLY=1: k3rs alone (half the run's time), e.g. while chasing a k3rs delivery problem.
const K3RS_ONLY = process.env.BENCH_WATCH_K3RS_ONLY === "1";
if (!K3RS_ONLY && etcdBinary()) {
  progress("etcd");
  const clientPort = await freePort();
  const peer = await startEtcd(clientPort, await freePort());
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const prefix = "/registry/configmaps/watched/";
  const body = JSON.stringify({ create_request: { key: b64(prefix), range_end: b64("/registry/configmaps/watched0") } });
  etcd = await measure(
    peer.pid,
    () =>
      openRawWatchers(WATCHERS, {
        port: clientPort,
        request: `POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        readyMarker: '"created":true',
        revisionMarker: '"mod_revision":"',
      }),
    async (i) => {
      const value = b64(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `ev-${i}`, namespace: "watched" }, data: { payload } }));
      const r = await fetch(`${peer.url}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: b64(`${prefix}ev-${i}`), value }) });
      if (!r.ok) throw new Error(`etcd put ${r.status}`);
      return Number(((await r.json()) as { header: { revision: string } }).header.revision);
    },
  );
  await peer.stop();
}

// --- report -------------------------------------------------------------------------------
console.log(`\nwatch delivery: ${WATCHERS} watchers, ${RATE} writes/s for ${SECONDS} s, ~1 KB objects (k3rs: HTTPS + client certs; etcd 3.4: JSON gateway, plain HTTP; loopback, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(" ")})\n`);
const row = (f: Figures) => `${fmt(f.p50)} / ${fmt(f.p99)} ms (${f.samples} deliveries, ${f.missing} missing, ${f.endedEarly} watches ended early, ${f.failedWrites} failed writes, ${f.ready} watchers, client busy ${fmt(f.clientCores, 2)} core)`;
if (baseline) line("k3rs baseline delivery p50 / p99", row(baseline));
line("k3rs delivery p50 / p99", `${row(k3rs)}   (goal p99 < 50 ms)`);
line("floor: fan-out server delivery p50 / p99", `${row(floor)}   (Bun.serve forwarding each write's line to every stream, same certificate and client)`);
if (etcd) line("etcd delivery p50 / p99", `${row(etcd)}   ratio(p99) ${fmt(etcd.p99 / k3rs.p99, 2)}x etcd's speed`);
const cpuOf = (f: Figures) => `${fmt(f.cpuPer1k)} ms (kernel ${fmt(f.kernelPer1k)})`;
line("server CPU per 1,000 deliveries", `k3rs ${cpuOf(k3rs)}` + (baseline ? `   baseline ${cpuOf(baseline)}` : "") + `   floor ${cpuOf(floor)}` + (etcd ? `   etcd ${cpuOf(etcd)}` : ""));
line("k3rs RSS per idle watcher", `${fmt(k3rs.kibPerWatcher)} KiB` + (baseline ? `   baseline ${fmt(baseline.kibPerWatcher)} KiB` : ""));
if (etcd) line("etcd RSS per idle watcher", `${fmt(etcd.kibPerWatcher)} KiB`);
if (!etcd) console.log(K3RS_ONLY ? "\netcd peer skipped: BENCH_WATCH_K3RS_ONLY=1." : "\netcd peer skipped: install it with `apt-get install etcd-server`.");
console.log("\n" + JSON.stringify({ k3rs, baseline, floor, etcd }));

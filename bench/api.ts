/**
 * API server benchmark: k3rs (built executable, HTTPS + client certs) beside etcd 3.4 (JSON
 * gateway, plain HTTP, loopback) under the same client load, in one run.
 *
 *   npm run build && bun bench/api.ts
 *   BENCH_QUICK=1 bun bench/api.ts   # writes and gets only (no cold start, 10k list, watchers)
 *
 * k3rs is measured twice where the server speaks both: HTTP/1.1 (Bun's fetch, a connection per
 * concurrent request) and HTTP/2 (one connection, a stream per request, as client-go does).
 * Prints figures and the k3rs/etcd ratios, and a floor: the same POSTs answered by a process that
 * does nothing else (a static HTTPS server); no thresholds. It also prints the CPU a create costs
 * each side (server and this client, from /proc and process.cpuUsage) and the cores the 2.0x goal
 * would take at that cost: the client shares the box with the server, as etcd's does. Everything runs on 127.0.0.1 and
 * every loop is bounded. BENCH_K3RS_BIN=<an executable> serves k3rs (cold start, writes, gets,
 * list, watch) from another build.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import https from "node:https";
import { freePort, startE2EServer } from "../test/helpers/e2e-server.ts";
import { fmt, rssMiB, runFor, summary } from "./lib/stats.ts";
import { etcdBinary, startEtcd } from "./lib/etcd.ts";
import { connectH2, type H2Client } from "./lib/h2-client.ts";
import { startStaticHttps } from "./lib/static-https.ts";
import { cpuMs } from "./lib/cpu-time.ts";
import { cpus } from "node:os";

const WRITE_SECONDS = Number(process.env.BENCH_WRITE_SECONDS ?? 3);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 10_000);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1000);
const QUICK = process.env.BENCH_QUICK === "1";
const IDLE_SETTLE_MS = 25_000;
const CLIENTS = [1, 16, 64];
const payload = "x".repeat(900); // ~1 KB objects

const results: Record<string, number> = {};
const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);

function tlsOf(kubeconfig: string) {
  const kc = YAML.parse(readFileSync(kubeconfig, "utf8"));
  const b = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return { ca: b(kc.clusters[0].cluster["certificate-authority-data"]), cert: b(kc.users[0].user["client-certificate-data"]), key: b(kc.users[0].user["client-key-data"]) };
}

progress("cold start");
// --- cold start -------------------------------------------------------------------------
const starts: number[] = [];
for (let i = 0; i < (QUICK ? 0 : 3); i++) {
  const t0 = performance.now();
  const s = await startE2EServer({ bin: process.env.BENCH_K3RS_BIN });
  starts.push(performance.now() - t0);
  await s.stop();
}
results.coldStartMs = summary(starts).p50;

// --- k3rs -------------------------------------------------------------------------------
// HTTP/2 is opt-in on the server: turned on here so both protocols are measured (HTTP/1.1's path is the same either way).
const server = await startE2EServer({ env: { K3RS_EXPERIMENTAL_HTTP2: "1" }, bin: process.env.BENCH_K3RS_BIN });
const tls = tlsOf(server.kubeconfig);
const base = `https://127.0.0.1:${server.port}`;
const req = (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, tls } as any);
await Bun.sleep(500);
results.k3rsIdleRssMiB = rssMiB(server.proc.pid);
// Idle a while: the server gives back what start-up left 15 s after it starts (lib/memory-trim.ts).
if (!QUICK) {
  await Bun.sleep(IDLE_SETTLE_MS);
  results.k3rsIdleSettledRssMiB = rssMiB(server.proc.pid);
}

async function k3rsCreate(ns: string, name: string, extra: Record<string, string> = {}) {
  const r = await req(`/api/v1/namespaces/${ns}/configmaps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, annotations: extra }, data: { payload } }),
  });
  if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${await r.text()}`);
  await r.arrayBuffer();
}

async function k3rsCreateH2(h2: H2Client, ns: string, name: string) {
  const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { payload } });
  const r = await h2.request("POST", `/api/v1/namespaces/${ns}/configmaps`, body, { "content-type": "application/json" });
  if (r.status !== 201) throw new Error(`create ${name} over h2: ${r.status} ${r.body}`);
}

// etcd runs from here on, so each concurrency is measured for k3rs and etcd back to back:
// on a shared machine the load changes from minute to minute.
const etcd = etcdBinary() ? await startEtcd(await freePort(), await freePort()) : undefined;
const b64 = (s: string) => Buffer.from(s).toString("base64");
const value = b64(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { payload } }));
const put = async (key: string) => {
  const r = await fetch(`${etcd!.url}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: b64(key), value }) });
  if (!r.ok) throw new Error(`etcd put ${r.status}`);
  await r.arrayBuffer();
};
// The floor for these requests on this box: a process that only reads each POST and answers
// with a ConfigMap's worth of JSON over TLS (Bun.serve), same client, same certificate.
const serving = {
  cert: readFileSync(join(server.dataDir, "server", "tls", "serving.crt"), "utf8"),
  key: readFileSync(join(server.dataDir, "server", "tls", "serving.key"), "utf8"),
};
const staticReply = new TextEncoder().encode(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w", namespace: "default", uid: "0b7c1f0e-9c3e-4f57-9a40-2f0c5d7b7a11", resourceVersion: "12345", creationTimestamp: "2026-12-07T09:00:00Z" }, data: { payload } }));
const staticServer = await startStaticHttps(staticReply, serving);
async function staticCreate(name: string) {
  const r = await fetch(`https://127.0.0.1:${staticServer.port}/api/v1/namespaces/default/configmaps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { payload } }),
    tls,
  } as RequestInit);
  if (r.status !== 201) throw new Error(`static server: ${r.status}`);
  await r.arrayBuffer();
}
/** CPU (ms) the server process and this client spent while `run` ran. */
async function withCpu<T>(pid: number, run: () => Promise<T>): Promise<[T, { server: number; client: number }]> {
  const s0 = cpuMs(pid);
  const c0 = process.cpuUsage();
  const out = await run();
  const c = process.cpuUsage(c0);
  return [out, { server: cpuMs(pid) - s0, client: (c.user + c.system) / 1000 }];
}
const h2 = await connectH2(base, tls);
for (const c of CLIENTS) {
  progress(`writes, ${c} client(s): k3rs HTTP/1.1${h2 ? ", k3rs HTTP/2" : ""}${etcd ? ", etcd" : ""}`);
  const [k, kCpu] = await withCpu(server.proc.pid, () => runFor(c, WRITE_SECONDS * 1000, (lane, i) => k3rsCreate("default", `w${c}-${lane}-${i}`)));
  results[`k3rsWrites${c}`] = k.ops / k.seconds;
  results[`k3rsServerUsPerWrite${c}`] = (kCpu.server * 1000) / k.ops;
  results[`k3rsClientUsPerWrite${c}`] = (kCpu.client * 1000) / k.ops;
  if (h2) {
    const k2 = await runFor(c, WRITE_SECONDS * 1000, (lane, i) => k3rsCreateH2(h2, "default", `h2w${c}-${lane}-${i}`));
    results[`k3rsH2Writes${c}`] = k2.ops / k2.seconds;
  }
  if (etcd) {
    const [e, eCpu] = await withCpu(etcd.pid, () => runFor(c, WRITE_SECONDS * 1000, (lane, i) => put(`/registry/configmaps/default/w${c}-${lane}-${i}`)));
    results[`etcdWrites${c}`] = e.ops / e.seconds;
    results[`etcdServerUsPerWrite${c}`] = (eCpu.server * 1000) / e.ops;
    results[`etcdClientUsPerWrite${c}`] = (eCpu.client * 1000) / e.ops;
  }
  const f = await runFor(c, WRITE_SECONDS * 1000, (lane, i) => staticCreate(`f${c}-${lane}-${i}`));
  results[`staticWrites${c}`] = f.ops / f.seconds;
}
await staticServer.stop();

const getLat: number[] = [];
const h2GetLat: number[] = [];
const listLat: number[] = [];
if (!QUICK) {
progress(`k3rs: ${OBJECTS} objects, get and list`);
// 10k objects in their own namespace for list/get/RSS.
await req("/api/v1/namespaces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } }) });
let created = 0;
await Promise.all(Array.from({ length: 32 }, async (_, lane) => {
  for (let i = lane; i < OBJECTS; i += 32) {
    await k3rsCreate("bench", `cm-${String(i).padStart(5, "0")}`);
    created++;
  }
}));
}
const getName = (i: number) => QUICK ? `w1-0-${i % 50}` : `cm-${String(i * 7 % OBJECTS).padStart(5, "0")}`;
const getNs = QUICK ? "default" : "bench";
for (let i = 0; i < 500; i++) {
  const t = performance.now();
  const r = await req(`/api/v1/namespaces/${getNs}/configmaps/${getName(i)}`);
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`get ${getName(i)}: ${r.status}`);
  getLat.push(performance.now() - t);
}
for (let i = 0; h2 && i < 500; i++) {
  const t = performance.now();
  const r = await h2.request("GET", `/api/v1/namespaces/${getNs}/configmaps/${getName(i)}`);
  if (r.status !== 200) throw new Error(`get ${getName(i)} over h2: ${r.status}`);
  h2GetLat.push(performance.now() - t);
}
h2?.close();
if (!QUICK) {
for (let i = 0; i < 30; i++) {
  const t = performance.now();
  const body = await (await req(`/api/v1/namespaces/bench/configmaps`)).arrayBuffer();
  listLat.push(performance.now() - t);
  if (i === 0) results.listBytes = body.byteLength;
}
}
Object.assign(results, { k3rsGetP50: summary(getLat).p50, k3rsGetP99: summary(getLat).p99, k3rsH2GetP50: summary(h2GetLat).p50, k3rsH2GetP99: summary(h2GetLat).p99, k3rsListP50: summary(listLat).p50, k3rsListP99: summary(listLat).p99 });
results.k3rsRss10kMiB = rssMiB(server.proc.pid);
// What the store holds then: the listed ConfigMaps and every one the write runs made.
if (!QUICK) {
  const counted = await (await req("/api/v1/configmaps?limit=1")).json() as any;
  results.k3rsObjectsHeld = counted.items.length + Number(counted.metadata.remainingItemCount ?? 0);
}
if (!QUICK) {

progress(`k3rs: watch with ${WATCHERS} watchers`);
// Watch latency: WATCHERS watches on one namespace; each write carries its send time.
await req("/api/v1/namespaces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "watched" } }) });
const rv = ((await (await req("/api/v1/namespaces/watched/configmaps")).json()) as any).metadata.resourceVersion;
const watchLat: number[] = [];
const controllers: { abort(): void }[] = [];
let ready = 0;
const WRITES = 20;
// Watchers use node:https with a socket each: fetch's shared connection pool would let 1,000
// open streams starve the writes that feed them.
const watchAgent = new https.Agent({ keepAlive: false, maxSockets: Infinity, ca: tls.ca, cert: tls.cert, key: tls.key });
const watchDone = Array.from({ length: WATCHERS }, () =>
  new Promise<void>((resolve) => {
    const r = https.get(`${base}/api/v1/namespaces/watched/configmaps?watch=1&resourceVersion=${rv}`, { agent: watchAgent }, (res) => {
      ready++;
      let buf = "";
      let seen = 0;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          const sent = Number(ev.object?.metadata?.annotations?.sent);
          if (sent) watchLat.push(performance.timeOrigin + performance.now() - sent);
          if (++seen >= WRITES) {
            r.destroy();
            resolve();
          }
        }
      });
      res.on("close", () => resolve());
    });
    r.on("error", () => resolve());
    controllers.push({ abort: () => void r.destroy() });
  }),
);
const readyDeadline = Date.now() + 60_000;
while (ready < WATCHERS && Date.now() < readyDeadline) await Bun.sleep(50);
for (let i = 0; i < WRITES; i++) {
  await k3rsCreate("watched", `ev-${i}`, { sent: String(performance.timeOrigin + performance.now()) });
  await Bun.sleep(50);
}
await Promise.race([Promise.all(watchDone), Bun.sleep(30_000)]);
for (const ac of controllers) ac.abort();
results.watchers = ready;
Object.assign(results, { watchP50: summary(watchLat).p50, watchP99: summary(watchLat).p99 });
}
await server.stop();

progress("etcd");
// --- etcd -------------------------------------------------------------------------------
let etcdRan = false;
if (etcd) {
  etcdRan = true;
  const objects = QUICK ? 50 : OBJECTS;
  await Promise.all(Array.from({ length: 32 }, async (_, lane) => {
    for (let i = lane; i < objects; i += 32) await put(`/registry/configmaps/bench/cm-${String(i).padStart(5, "0")}`);
  }));
  const eg: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    await (await fetch(`${etcd.url}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64(`/registry/configmaps/bench/cm-${String(i * 7 % objects).padStart(5, "0")}`) }) })).arrayBuffer();
    eg.push(performance.now() - t);
  }
  const el: number[] = [];
  for (let i = 0; i < (QUICK ? 0 : 30); i++) {
    const t = performance.now();
    await (await fetch(`${etcd.url}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64("/registry/configmaps/bench/"), range_end: b64("/registry/configmaps/bench0") }) })).arrayBuffer();
    el.push(performance.now() - t);
  }
  const counted = await (await fetch(`${etcd.url}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64("/registry/configmaps/"), range_end: b64("/registry/configmaps0"), count_only: true }) })).json() as any;
  Object.assign(results, { etcdGetP50: summary(eg).p50, etcdGetP99: summary(eg).p99, etcdListP50: summary(el).p50, etcdListP99: summary(el).p99, etcdRssMiB: rssMiB(etcd.pid), etcdKeysHeld: Number(counted.count ?? 0) });
  await etcd.stop();
}

// --- report -----------------------------------------------------------------------------
console.log("\nk3rs API benchmark (k3rs: HTTPS + client certs; etcd 3.4: JSON gateway, plain HTTP; both on loopback)\n");
line("load average (1/5/15 min) at the end", (await import("node:os")).loadavg().map((l) => fmt(l, 2)).join(" "));
if (!QUICK) {
  line("cold start to /readyz (median of 3)", `${fmt(results.coldStartMs!, 0)} ms   (goal < 1000 ms)`);
  line("server RSS idle", `${fmt(results.k3rsIdleRssMiB!)} MiB 0.5 s after start, ${fmt(results.k3rsIdleSettledRssMiB!)} MiB ${IDLE_SETTLE_MS / 1000} s later   (goal < 80 MiB)`);
  line("server RSS holding the ConfigMaps", `${fmt(results.k3rsRss10kMiB!)} MiB   (${results.k3rsObjectsHeld} of ~1.3 KB: the ${OBJECTS} listed and those the write runs made)`);
}
const ratio = (k: number | undefined, e: number | undefined) => (k && e ? `   ratio ${fmt(k / e, 2)}x` : "");
for (const c of CLIENTS) {
  const k = results[`k3rsWrites${c}`]!;
  const k2 = results[`k3rsH2Writes${c}`];
  const e = results[`etcdWrites${c}`];
  line(
    `creates/s, ${c} concurrent client(s)`,
    `k3rs http/1.1 ${fmt(k, 0)}${ratio(k, e)}   h2 ${k2 ? fmt(k2, 0) : "n/a"}${ratio(k2, e)}` + (e ? `   etcd ${fmt(e, 0)}   (goal >= 2.0x at 16 and 64)` : ""),
  );
}
for (const c of [16, 64]) {
  const k = results[`k3rsWrites${c}`]!;
  const ks = results[`k3rsServerUsPerWrite${c}`]!;
  const kc = results[`k3rsClientUsPerWrite${c}`]!;
  const e = results[`etcdWrites${c}`];
  line(
    `CPU a create, ${c} clients (http/1.1)`,
    `k3rs server ${fmt(ks, 0)} µs + client ${fmt(kc, 0)} µs` + (e ? `   etcd ${fmt(results[`etcdServerUsPerWrite${c}`]!, 0)} µs + client ${fmt(results[`etcdClientUsPerWrite${c}`]!, 0)} µs` : ""),
  );
  // The goal's rate at the CPU each create costs here: what the box would need to give it.
  if (e) {
    const etcdCost = results[`etcdServerUsPerWrite${c}`]! + results[`etcdClientUsPerWrite${c}`]!;
    line(`  cores for 2.0x etcd (${fmt(2 * e, 0)}/s), ${c} clients`, `${fmt((2 * e * (ks + kc)) / 1e6, 1)} at k3rs's cost a create, ${fmt((2 * e * etcdCost) / 1e6, 1)} at etcd's own cost a put (server + client, each); this box has ${cpus().length}`);
  }
}
line(
  "floor: static HTTPS answers/s",
  CLIENTS.map((c) => `${c}: ${fmt(results[`staticWrites${c}`]!, 0)}`).join("   ") + "   (Bun.serve reading each POST and answering from memory, same client and certificate)",
);
line(
  "get p50 / p99",
  `k3rs http/1.1 ${fmt(results.k3rsGetP50!, 2)} / ${fmt(results.k3rsGetP99!, 2)} ms   h2 ${fmt(results.k3rsH2GetP50!, 2)} / ${fmt(results.k3rsH2GetP99!, 2)} ms` +
    (etcdRan ? `   etcd ${fmt(results.etcdGetP50!, 2)} / ${fmt(results.etcdGetP99!, 2)} ms   ratio(p50) ${fmt(results.etcdGetP50! / results.k3rsGetP50!, 2)}x etcd's speed` : ""),
);
if (!QUICK) {
  line(`list ${OBJECTS} p50 / p99`, `k3rs ${fmt(results.k3rsListP50!)} / ${fmt(results.k3rsListP99!)} ms (${fmt(results.listBytes! / 1048576)} MiB)` + (etcdRan ? `   etcd ${fmt(results.etcdListP50!)} / ${fmt(results.etcdListP99!)} ms   ratio(p50) ${fmt(results.etcdListP50! / results.k3rsListP50!, 2)}x etcd's speed` : "") + "   (goal p99 < 100 ms)");
  line(`watch delivery p50 / p99 (${results.watchers} watchers)`, `${fmt(results.watchP50!)} / ${fmt(results.watchP99!)} ms   (goal p99 < 50 ms)`);
}
if (!etcdRan) console.log("\netcd peer skipped: install it with `apt-get install etcd-server`.");
else if (!QUICK) line("etcd RSS holding its keys", `${fmt(results.etcdRssMiB!)} MiB   (${results.etcdKeysHeld} values of ~1.2 KB: the ${OBJECTS} listed and its write runs')`);
console.log("\n" + JSON.stringify(results));

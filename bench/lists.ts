/**
 * Lists of realistic Pods: k3rs (built executable, HTTPS + client certs) beside etcd 3.4 (JSON
 * gateway, plain HTTP) ranging over the same objects, in one run.
 *
 *   npm run build && bun bench/lists.ts
 *
 * BENCH_PODS (10,000) Pods as a Deployment's controller and the kubelet leave them — labels,
 * an owner, two containers with env, ports, resources, probes and mounts, a status with
 * conditions and container states, managedFields from both writers — then the list of them
 * BENCH_LIST_ROUNDS (30) times as JSON (plain, and gzipped as client-go asks by itself), as
 * kubectl asks (a Table, gzipped), and as protobuf when served.
 * Prints p50/p99 of each, the server's RSS, etcd's range over the same stored values, and the
 * floor: the same JSON bytes sent by a process that does nothing else (a static HTTPS server).
 * BENCH_K3RS_BIN=<an executable> serves k3rs from another build (an older one, or a wrapper
 * that profiles the server).
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { freePort, startE2EServer } from "../test/helpers/e2e-server.ts";
import { cpuMs } from "./lib/cpu-time.ts";
import { fmt, rssMiB, summary } from "./lib/stats.ts";
import { etcdBinary, startEtcd } from "./lib/etcd.ts";
import { startStaticHttps } from "./lib/static-https.ts";

const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_LIST_ROUNDS ?? 30);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);
const line = (label: string, value: string) => console.log(`${label.padEnd(46)} ${value}`);

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
const PROTOBUF = "application/vnd.kubernetes.protobuf";

let ownerUid = "";

function pod(i: number) {
  const name = `web-7d4b9c8f6d-${String(i).padStart(5, "0")}`;
  const container = (n: string, image: string, port: number) => ({
    name: n,
    image,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
    env: [
      { name: "LOG_LEVEL", value: "info" },
      { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
      { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
    ],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    readinessProbe: { httpGet: { path: "/healthz", port, scheme: "HTTP" }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    livenessProbe: { tcpSocket: { port }, initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    volumeMounts: [{ name: "config", mountPath: "/etc/web", readOnly: true }],
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      labels: { app: "web", tier: "frontend", "pod-template-hash": "7d4b9c8f6d" },
      annotations: { "kubectl.kubernetes.io/restartedAt": "2026-12-01T10:00:00Z" },
      // A real owner (made below), or the garbage collector deletes the pods while they are
      // listed. Not their controller: a ReplicaSet would release pods its selector misses.
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-7d4b9c8f6d", uid: ownerUid, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: `node-${i % 100}`,
      containers: [container("web", "registry.example.com/web:1.27.3", 8080), container("sidecar", "registry.example.com/proxy:2.4.1", 9090)],
      volumes: [{ name: "config", configMap: { name: "web-config", defaultMode: 420 } }],
      terminationGracePeriodSeconds: 30,
    },
  };
}

function status(i: number) {
  const t = "2026-12-01T10:00:05Z";
  const state = (n: string, image: string) => ({
    name: n,
    state: { running: { startedAt: t } },
    ready: true,
    restartCount: 0,
    image,
    imageID: `${image}@sha256:${"ab".repeat(32)}`,
    containerID: `containerd://${(i.toString(16) + n).padEnd(64, "0")}`,
    started: true,
  });
  return {
    phase: "Running",
    conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: t })),
    hostIP: `10.0.${Math.floor((i % 100) / 256)}.${(i % 100) + 1}`,
    podIP: `10.42.${Math.floor(i / 250)}.${(i % 250) + 2}`,
    podIPs: [{ ip: `10.42.${Math.floor(i / 250)}.${(i % 250) + 2}` }],
    startTime: t,
    qosClass: "Burstable",
    containerStatuses: [state("web", "registry.example.com/web:1.27.3"), state("sidecar", "registry.example.com/proxy:2.4.1")],
  };
}

/** Latency of `rounds` sequential requests, and the server's CPU time per request (steadier on a shared box). */
async function timed(rounds: number, once: () => Promise<number>, pid?: number): Promise<{ p50: number; p99: number; bytes: number; cpuMs?: number }> {
  const lat: number[] = [];
  let bytes = 0;
  const cpu0 = pid ? cpuMs(pid) : 0;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    bytes = await once();
    lat.push(performance.now() - t);
  }
  const s = summary(lat);
  return { p50: s.p50, p99: s.p99, bytes, cpuMs: pid ? (cpuMs(pid) - cpu0) / rounds : undefined };
}

// --- k3rs ---------------------------------------------------------------------------------
progress("k3rs");
const server = await startE2EServer({ bin: process.env.BENCH_K3RS_BIN });
const kc = YAML.parse(readFileSync(server.kubeconfig, "utf8"));
const b64d = (s: string) => Buffer.from(s, "base64").toString("utf8");
const tls = { ca: b64d(kc.clusters[0].cluster["certificate-authority-data"]), cert: b64d(kc.users[0].user["client-certificate-data"]), key: b64d(kc.users[0].user["client-key-data"]) };
const base = `https://127.0.0.1:${server.port}`;
const req = (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, tls } as RequestInit);
const jsonInit = (method: string, body: unknown): RequestInit => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const ns = await req("/api/v1/namespaces", jsonInit("POST", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } }));
if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${await ns.text()}`);
// Pods are admitted once the namespace's default ServiceAccount exists.
for (const deadline = Date.now() + 30_000; (await req("/api/v1/namespaces/bench/serviceaccounts/default")).status !== 200; ) {
  if (Date.now() > deadline) throw new Error("no default ServiceAccount in 30 s");
  await Bun.sleep(100);
}
const owner = await req(
  "/apis/apps/v1/namespaces/bench/replicasets",
  jsonInit("POST", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-7d4b9c8f6d" }, spec: { replicas: 0, selector: { matchLabels: { "bench-owner": "none" } }, template: { metadata: { labels: { "bench-owner": "none" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } } }),
);
if (owner.status !== 201) throw new Error(`owner: ${owner.status} ${await owner.text()}`);
ownerUid = ((await owner.json()) as { metadata: { uid: string } }).metadata.uid;
// The nodes the pods are bound to exist, so that pod garbage collection leaves the pods alone.
for (let n = 0; n < 100; n++) {
  const r = await req("/api/v1/nodes", jsonInit("POST", { apiVersion: "v1", kind: "Node", metadata: { name: `node-${n}` } }));
  if (r.status !== 201) throw new Error(`node-${n}: ${r.status} ${await r.text()}`);
  const now = new Date().toISOString();
  const ready = { status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: now, lastTransitionTime: now }] } };
  const st = await req(`/api/v1/nodes/node-${n}/status`, { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify(ready) });
  if (st.status !== 200) throw new Error(`node-${n} status: ${st.status} ${await st.text()}`);
  const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: `node-${n}` }, spec: { holderIdentity: `node-${n}`, leaseDurationSeconds: 40, renewTime: new Date().toISOString() } };
  const l = await req("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", jsonInit("POST", lease));
  if (l.status !== 201) throw new Error(`lease node-${n}: ${l.status} ${await l.text()}`);
}
// The nodes' leases are renewed every 10 s as kubelets do: a silent node would be marked
// NotReady after 40 s and every pod on it rewritten (Ready False) in the middle of the lists.
const renewing = setInterval(() => {
  for (let n = 0; n < 100; n++) {
    const patch: RequestInit = { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { renewTime: new Date().toISOString() } }) };
    void req(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-${n}`, patch).then((r) => r.arrayBuffer(), () => undefined);
  }
}, 10_000);
progress(`creating ${PODS} pods and their status`);
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    for (let i = next++; i < PODS; i = next++) {
      const c = await req("/api/v1/namespaces/bench/pods", jsonInit("POST", pod(i)));
      if (c.status !== 201) throw new Error(`create pod ${i}: ${c.status} ${await c.text()}`);
      const created = (await c.json()) as { metadata: { name: string } };
      const u = await req(`/api/v1/namespaces/bench/pods/${created.metadata.name}/status`, { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ status: status(i) }) });
      if (u.status !== 200) throw new Error(`status of pod ${i}: ${u.status} ${await u.text()}`);
      await u.arrayBuffer();
    }
  }),
);
const loadSeconds = (performance.now() - t0) / 1000;
await Bun.sleep(1000);
const rssLoaded = rssMiB(server.proc.pid);
// What the server keeps once quiet: JavaScriptCore collects what the burst left within seconds
// after allocation stops (measured: 487 MiB 1 s after the last write, 404–407 from 5 s on).
await Bun.sleep(10_000);
const rssSettled = rssMiB(server.proc.pid);

progress("lists");
// Accept-Encoding as said: "gzip" is what client-go (kubectl) sends by itself; the client
// decompresses, as kubectl does, and the bytes counted are the JSON's.
const list = (accept: string, encoding = "identity") => async () => {
  const r = await req("/api/v1/namespaces/bench/pods", { headers: { accept, "accept-encoding": encoding } });
  if (r.status !== 200) throw new Error(`list (${accept}): ${r.status}`);
  return (await r.arrayBuffer()).byteLength;
};
/** Bytes on the wire of a gzipped answer. */
const wire = async (accept: string) => {
  const r = await req("/api/v1/namespaces/bench/pods", { headers: { accept, "accept-encoding": "gzip" }, decompress: false } as RequestInit);
  const bytes = (await r.arrayBuffer()).byteLength;
  return r.headers.get("content-encoding") === "gzip" ? bytes : undefined;
};
const first = (await (await req("/api/v1/namespaces/bench/pods", { headers: { accept: "application/json" } })).json()) as { items: unknown[] };
if (first.items.length !== PODS) throw new Error(`listed ${first.items.length} pods, want ${PODS}`);
const asJson = await timed(ROUNDS, list("application/json"), server.proc.pid);
const asJsonGzip = { ...(await timed(ROUNDS, list("application/json", "gzip"), server.proc.pid)), wireBytes: await wire("application/json") };
const asTable = { ...(await timed(ROUNDS, list(TABLE, "gzip"), server.proc.pid)), wireBytes: await wire(TABLE) };
const probe = await req("/api/v1/namespaces/bench/pods?limit=1", { headers: { accept: PROTOBUF } });
await probe.arrayBuffer();
const protobufServed = (probe.headers.get("content-type") ?? "").startsWith(PROTOBUF);
const asProtobuf = protobufServed ? await timed(ROUNDS, list(PROTOBUF), server.proc.pid) : undefined;
const rssAfterLists = rssMiB(server.proc.pid);
const last = (await (await req("/api/v1/namespaces/bench/pods?limit=1")).json()) as { items: unknown[]; metadata: { remainingItemCount?: number } };
if (last.items.length + (last.metadata.remainingItemCount ?? 0) !== PODS) throw new Error(`after the lists ${last.items.length + (last.metadata.remainingItemCount ?? 0)} pods are left, not ${PODS}: something deleted them meanwhile`);
// The floor for the same bytes: a process that only sends them over HTTPS (bench/lib/static-https.ts).
const listBytes = new Uint8Array(await (await req("/api/v1/namespaces/bench/pods", { headers: { accept: "application/json", "accept-encoding": "identity" } })).arrayBuffer());
const tlsDir = join(server.dataDir, "server", "tls");
const serving = { cert: readFileSync(join(tlsDir, "serving.crt"), "utf8"), key: readFileSync(join(tlsDir, "serving.key"), "utf8") };
clearInterval(renewing);
await server.stop();
progress("the floor: the same bytes from a static HTTPS server");
const staticServer = await startStaticHttps(listBytes, serving);
const floor = await timed(
  ROUNDS,
  async () => (await (await fetch(`https://127.0.0.1:${staticServer.port}/`, { headers: { "accept-encoding": "identity" }, tls } as RequestInit)).arrayBuffer()).byteLength,
  staticServer.pid,
);
await staticServer.stop();

// --- etcd ---------------------------------------------------------------------------------
let etcd: { p50: number; p99: number; bytes: number; cpuMs?: number; rss: number } | undefined;
if (etcdBinary()) {
  progress("etcd");
  const peer = await startEtcd(await freePort(), await freePort());
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const items = first.items as { metadata: { name: string } }[];
  let k = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let i = k++; i < items.length; i = k++) {
        const r = await fetch(`${peer.url}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: b64(`/registry/pods/bench/${items[i]!.metadata.name}`), value: b64(JSON.stringify(items[i])) }) });
        if (!r.ok) throw new Error(`etcd put ${r.status}`);
        await r.arrayBuffer();
      }
    }),
  );
  const range = JSON.stringify({ key: b64("/registry/pods/bench/"), range_end: b64("/registry/pods/bench0") });
  const r = await timed(ROUNDS, async () => (await (await fetch(`${peer.url}/v3/kv/range`, { method: "POST", body: range })).arrayBuffer()).byteLength, peer.pid);
  etcd = { ...r, rss: rssMiB(peer.pid) };
  await peer.stop();
}

// --- report -------------------------------------------------------------------------------
const mib = (b: number) => `${fmt(b / 1048576)} MiB`;
const cpu = (f: { cpuMs?: number }) => `, server CPU ${fmt(f.cpuMs ?? NaN, 0)} ms each`;
console.log(`\nlists of ${PODS} Pods, ${ROUNDS} rounds (k3rs: HTTPS + client certs; etcd 3.4: JSON gateway, plain HTTP, values base64; loopback, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(" ")})\n`);
line("pods + status written", `${fmt(loadSeconds)} s (${fmt((PODS * 2) / loadSeconds, 0)} writes/s)`);
line("k3rs list, JSON, identity p50 / p99", `${fmt(asJson.p50)} / ${fmt(asJson.p99)} ms (${mib(asJson.bytes)}${cpu(asJson)})   (goal p99 < 100 ms)` + (etcd ? `   ratio(p99) ${fmt(etcd.p99 / asJson.p99, 2)}x etcd's speed` : ""));
const onWire = (f: { wireBytes?: number }) => (f.wireBytes === undefined ? ", not gzipped" : `, ${mib(f.wireBytes)} gzipped`);
line("k3rs list, JSON, gzip (as client-go asks)", `${fmt(asJsonGzip.p50)} / ${fmt(asJsonGzip.p99)} ms (${mib(asJsonGzip.bytes)}${onWire(asJsonGzip)}${cpu(asJsonGzip)})   (goal p99 < 100 ms)` + (etcd ? `   ratio(p99) ${fmt(etcd.p99 / asJsonGzip.p99, 2)}x etcd's speed` : ""));
line("k3rs list, Table, gzip (kubectl get)", `${fmt(asTable.p50)} / ${fmt(asTable.p99)} ms (${mib(asTable.bytes)}${onWire(asTable)}${cpu(asTable)})   (goal p99 < 100 ms)`);
line("floor: the same JSON, static HTTPS", `${fmt(floor.p50)} / ${fmt(floor.p99)} ms (${mib(floor.bytes)}${cpu(floor)})   (Bun.serve sending the bytes from memory, same client and certificate: no server answers faster on this box)`);
line("k3rs list, protobuf p50 / p99", asProtobuf ? `${fmt(asProtobuf.p50)} / ${fmt(asProtobuf.p99)} ms (${mib(asProtobuf.bytes)}${cpu(asProtobuf)})` : "not served (protobuf is accepted in request bodies only; answered as JSON)");
if (etcd) line(`etcd range of ${PODS} keys p50 / p99`, `${fmt(etcd.p50)} / ${fmt(etcd.p99)} ms (${mib(etcd.bytes)}${cpu(etcd)})`);
line(`k3rs RSS with ${PODS} pods`, `${fmt(rssLoaded)} MiB after writing, ${fmt(rssSettled)} MiB 10 s later, ${fmt(rssAfterLists)} MiB after the lists   (aim < 300 MiB)`);
if (etcd) line(`etcd RSS with ${PODS} pods`, `${fmt(etcd.rss)} MiB`);
if (!etcd) console.log("\netcd peer skipped: install it with `apt-get install etcd-server`.");
console.log("\n" + JSON.stringify({ loadSeconds, rssLoaded, rssSettled, rssAfterLists, asJson, asJsonGzip, asTable, asProtobuf, floor, etcd }));

/**
 * What a thousand kubelets' pod watches cost each pod write, in process: a control plane on a
 * temp store (as the integration tests make one), then BENCH_PODS pod creates from 16 writers,
 * first with no watcher, then with BENCH_WATCHERS watches of `spec.nodeName=node-<i>` open (one
 * per node, as each kubelet keeps one) and the pods spread over those nodes. The server routes
 * each event to the watches of its node only (api/storage/watch-routes.ts); before it did, every
 * watch's filter ran on every pod event. Prints server CPU per create for both, same run.
 *
 *   bun bench/watch-routes.ts      (BENCH_WATCHERS=1000 BENCH_PODS=4000 BENCH_ROUNDS=2)
 */
import { startTestApi } from "../test/helpers/api-harness.ts";
import { fmt } from "./lib/stats.ts";

const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1000);
const PODS = Number(process.env.BENCH_PODS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WRITERS = 16;

const line = (label: string, value: string) => console.log(`${label.padEnd(50)} ${value}`);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);

const pod = (name: string, node: number) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app: "web" } },
  spec: { nodeName: `node-${node}`, containers: [{ name: "c", image: "registry.example.com/web:1", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
});

/** CPU (µs) per create of `PODS` pods named `<prefix>-<i>`, and creates/s. */
async function creates(api: Awaited<ReturnType<typeof startTestApi>>, prefix: string): Promise<{ cpuUs: number; perSecond: number }> {
  let next = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = next++; i < PODS; i = next++) {
        const r = await api.request("POST", "/api/v1/namespaces/default/pods", pod(`${prefix}-${i}`, i % Math.max(1, WATCHERS)));
        if (r.status !== 201) throw new Error(`create ${prefix}-${i}: ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      }
    }),
  );
  const c = process.cpuUsage(c0);
  return { cpuUs: (c.user + c.system) / PODS, perSecond: (PODS / (performance.now() - t0)) * 1000 };
}

const api = await startTestApi();
await Bun.sleep(1000);
const without: number[] = [];
const withWatches: number[] = [];
let delivered = 0;
const stops: AbortController[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    progress(`round ${round + 1}: ${PODS} creates, no watcher`);
    without.push((await creates(api, `a${round}`)).cpuUs);
    progress(`round ${round + 1}: ${WATCHERS} node watches open`);
    // From the current revision, as a kubelet resumes: no initial state to send.
    const listed = (await (await api.request("GET", "/api/v1/pods?limit=1")).json()) as { metadata: { resourceVersion: string } };
    const rv = listed.metadata.resourceVersion;
    for (let i = 0; i < WATCHERS; i++) {
      const ac = new AbortController();
      stops.push(ac);
      const r = await api.request("GET", `/api/v1/pods?watch=1&resourceVersion=${rv}&fieldSelector=${encodeURIComponent(`spec.nodeName=node-${i}`)}`, undefined, { signal: ac.signal });
      if (r.status !== 200) throw new Error(`watch node-${i}: ${r.status}`);
      const reader = r.body!.getReader();
      void (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            for (const b of value) if (b === 10) delivered++;
          }
        } catch {
          // ended by the abort below
        }
      })();
    }
    await Bun.sleep(500);
    progress(`round ${round + 1}: ${PODS} creates, ${WATCHERS} node watches`);
    withWatches.push((await creates(api, `b${round}`)).cpuUs);
    for (const ac of stops.splice(0)) ac.abort();
    await Bun.sleep(500);
  }
} finally {
  for (const ac of stops) ac.abort();
  await api.close();
}

console.log(`\nk3rs pod writes with a kubelet's pod watch per node, in process (${PODS} creates from ${WRITERS} writers a round, ${ROUNDS} rounds)\n`);
line("server CPU a pod create, no watcher", `${without.map((v) => fmt(v, 0)).join(" / ")} µs`);
line(`server CPU a pod create, ${WATCHERS} node watches`, `${withWatches.map((v) => fmt(v, 0)).join(" / ")} µs   (each event routed to its node's watch)`);
line("ratio, with ÷ without (median of rounds)", `${fmt(median(withWatches) / median(without), 2)}x`);
line("events the watches received", `${delivered}   (${ROUNDS * PODS} creates, each seen by its node's watch; more if a controller changed a pod)`);
process.exit(0);

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
